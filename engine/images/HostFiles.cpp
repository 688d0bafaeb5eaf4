#include "engine/images/HostFiles.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace flowlab {

namespace {

std::deque<std::string> components(const std::string &path)
{
    std::deque<std::string> parts;
    std::stringstream stream(path);
    std::string part;
    while (std::getline(stream, part, '/')) {
        if (!part.empty() && part != ".")
            parts.push_back(part);
    }
    return parts;
}

// Runs argv with stdout and stderr captured together and returns the output, or an error with
// the exit status and the output (ldd explains itself there).
Result<std::string> runCapturingOutput(const std::vector<std::string> &argv)
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        return Error::fromErrno("pipe2");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDERR_FILENO);

    std::vector<char *> args;
    for (const std::string &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    // ldd's messages ("not found") must not be translated: we parse them.
    std::vector<std::string> envStrings{"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    std::vector<char *> env;
    for (std::string &var : envStrings)
        env.push_back(var.data());
    env.push_back(nullptr);

    pid_t pid = 0;
    const int spawnError = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (spawnError != 0) {
        ::close(pipeFds[0]);
        return Error("posix_spawn " + argv[0], spawnError);
    }

    std::string output;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::read(pipeFds[0], buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        output.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(pipeFds[0]);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return Error::fromErrno("waitpid " + argv[0]);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const std::string how = WIFEXITED(status)
                                    ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                    : "killed by signal " + std::to_string(WTERMSIG(status));
        return Error(argv[0] + " " + how + ": " + output);
    }
    return output;
}

} // namespace

Result<ResolvedHostPath> resolveHostPath(const std::string &path)
{
    if (!path.starts_with('/'))
        return Error("resolving " + path + ": not an absolute path");
    ResolvedHostPath resolved;
    std::deque<std::string> pending = components(path);
    std::string current; // the resolved prefix, "" meaning "/"
    int hops = 0;
    while (!pending.empty()) {
        const std::string part = pending.front();
        pending.pop_front();
        if (part == "..") {
            current = current.substr(0, current.rfind('/'));
            continue;
        }
        const std::string candidate = current + "/" + part;
        struct stat st
        {
        };
        if (::lstat(candidate.c_str(), &st) != 0)
            return Error::fromErrno("lstat " + candidate).context("resolving " + path);
        if (!S_ISLNK(st.st_mode)) {
            current = candidate;
            continue;
        }
        // 40 is the kernel's own limit (MAXSYMLINKS); past it the chain is a loop.
        if (++hops > 40)
            return Error("resolving " + path + ": too many levels of symbolic links");
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        const ssize_t length = ::readlink(candidate.c_str(), target.data(), target.size());
        if (length < 0)
            return Error::fromErrno("readlink " + candidate).context("resolving " + path);
        target.resize(static_cast<std::size_t>(length));
        resolved.symlinks.push_back({candidate, target});
        std::deque<std::string> targetParts = components(target);
        pending.insert(pending.begin(), targetParts.begin(), targetParts.end());
        if (target.starts_with('/'))
            current.clear();
    }
    resolved.realPath = current.empty() ? "/" : current;
    return resolved;
}

Result<std::optional<std::string>> elfInterpreter(const std::filesystem::path &binary)
{
    const int fd = ::open(binary.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error::fromErrno("open " + binary.string());
    auto readAt = [&](void *out, std::size_t size, off_t offset) {
        return ::pread(fd, out, size, offset) == static_cast<ssize_t>(size);
    };
    Result<std::optional<std::string>> result = std::optional<std::string>();
    Elf64_Ehdr header{};
    if (!readAt(&header, sizeof header, 0) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
        result = Error(binary.string() + ": not an ELF file");
    } else if (header.e_ident[EI_CLASS] != ELFCLASS64) {
        result = Error(binary.string() + ": only 64-bit ELF files are supported");
    } else {
        for (unsigned i = 0; i < header.e_phnum; ++i) {
            Elf64_Phdr program{};
            if (!readAt(&program, sizeof program,
                        static_cast<off_t>(header.e_phoff + i * header.e_phentsize))) {
                result = Error(binary.string() + ": truncated ELF program headers");
                break;
            }
            if (program.p_type != PT_INTERP)
                continue;
            std::string interpreter(program.p_filesz, '\0');
            if (!readAt(interpreter.data(), interpreter.size(),
                        static_cast<off_t>(program.p_offset))) {
                result = Error(binary.string() + ": truncated PT_INTERP");
                break;
            }
            interpreter.resize(std::strlen(interpreter.c_str())); // drop the trailing NUL
            result = std::optional<std::string>(interpreter);
            break;
        }
    }
    ::close(fd);
    return result;
}

Result<std::vector<std::string>> sharedLibraryClosure(const std::filesystem::path &binary)
{
    auto interpreter = elfInterpreter(binary);
    if (!interpreter)
        return interpreter.error();
    std::vector<std::string> libraries;
    if (!*interpreter)
        return libraries; // static: nothing to load

    auto output = runCapturingOutput({"ldd", binary.string()});
    if (!output)
        return output.error();
    // Lines look like "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)", or for the loader
    // "/lib64/ld-linux-x86-64.so.2 (0x...)". linux-vdso.so.1 has no path: the kernel provides it.
    std::stringstream lines(*output);
    std::string line;
    while (std::getline(lines, line)) {
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos)
            continue;
        std::string text = line.substr(first);
        if (const auto arrow = text.find(" => "); arrow != std::string::npos) {
            const std::string name = text.substr(0, arrow);
            text = text.substr(arrow + 4);
            if (text.starts_with("not found"))
                return Error("ldd " + binary.string() + ": " + name + " not found");
        }
        if (!text.starts_with('/'))
            continue;
        const std::string path = text.substr(0, text.find(" ("));
        if (std::find(libraries.begin(), libraries.end(), path) == libraries.end())
            libraries.push_back(path);
    }
    if (std::find(libraries.begin(), libraries.end(), **interpreter) == libraries.end())
        libraries.push_back(**interpreter);
    return libraries;
}

} // namespace flowlab
