#pragma once

// What the lab needs from the host, checked before anything is created, so that a missing
// package or privilege is reported by name instead of failing halfway through `lab up`.

#include "tracer/base/Result.h"

#include <string>
#include <vector>

namespace flowlab {

struct RequiredProgram
{
    std::string program;    // looked up in PATH
    std::string debPackage; // the Debian package that ships it
    std::string whatFor;
};

// The programs the Docker lab runs.
const std::vector<RequiredProgram> &dockerLabPrograms();

// Fails naming every missing program and its package, e.g.
// "docker-registry is not installed (needed for the lab registry): apt-get install
// docker-registry".
Status checkPrograms(const std::vector<RequiredProgram> &programs);

// Fails unless the process may create namespaces and start the engine: effective uid 0.
Status checkRoot(const std::string &forWhat);

} // namespace flowlab
