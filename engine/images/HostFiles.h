#pragma once

// Reading the host filesystem for recipes: symlink chains and the shared libraries a binary needs.

#include "tracer/base/Result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flowlab {

struct HostSymlink
{
    std::string path;   // where the link is, with every parent already resolved
    std::string target; // readlink() of it, verbatim (relative targets stay relative)
};

// A host path split into the symlinks met on the way and the real file they lead to. On a
// merged-/usr host, /lib/x86_64-linux-gnu/libz.so.1 yields the links /lib -> usr/lib and
// /usr/lib/x86_64-linux-gnu/libz.so.1 -> libz.so.1.2.13 and the real file
// /usr/lib/x86_64-linux-gnu/libz.so.1.2.13. An image that holds all three resolves the path the
// same way the host does.
struct ResolvedHostPath
{
    std::vector<HostSymlink> symlinks;
    std::string realPath;
};

Result<ResolvedHostPath> resolveHostPath(const std::string &path);

// The PT_INTERP of a 64-bit ELF file (the dynamic loader, "/lib64/ld-linux-x86-64.so.2"), or
// nullopt for a statically linked one.
Result<std::optional<std::string>> elfInterpreter(const std::filesystem::path &binary);

// Paths of the shared libraries that `binary` loads, as `ldd` resolves them, plus its ELF
// interpreter; empty for a static binary. Paths are as the loader names them, not resolved.
Result<std::vector<std::string>> sharedLibraryClosure(const std::filesystem::path &binary);

} // namespace flowlab
