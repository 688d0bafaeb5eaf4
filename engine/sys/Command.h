#pragma once

// Runs a program to completion and captures its output. Used for the real tools we drive
// (ip, iptables-save, ldd). Never goes through a shell.

#include "tracer/base/Result.h"

#include <string>
#include <vector>

namespace flowlab {

struct CommandOutput
{
    int exitCode = 0;
    std::string out;
    std::string err;
};

struct CommandOptions
{
    std::string stdinData;
    int timeoutMs = 30'000;
    std::vector<std::pair<std::string, std::string>> env; // set or replaced in the child
};

// Runs argv[0] (looked up in PATH). Fails only when the program cannot be run or times out;
// a non-zero exit is reported in CommandOutput::exitCode.
Result<CommandOutput> runCommand(const std::vector<std::string> &argv,
                                 const CommandOptions &options = {});

// As runCommand, but a non-zero exit is an error whose message carries the command line
// and the program's stderr.
Result<CommandOutput> runChecked(const std::vector<std::string> &argv,
                                 const CommandOptions &options = {});

std::string joinCommandLine(const std::vector<std::string> &argv);

// The absolute path of `program` in PATH (or the standard sbin dirs), or "" when absent.
std::string findProgram(const std::string &program);

} // namespace flowlab
