#pragma once

// One image layer: a set of filesystem entries written as a deterministic, gzip-compressed tar.

#include "tracer/base/Result.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace flowlab {

struct LayerEntry
{
    enum class Type { File, Directory, Symlink };

    Type type = Type::File;
    std::string path;  // absolute, clean image path ("/etc/nginx/nginx.conf")
    unsigned mode = 0; // permission bits only; the type bits come from `type`
    // File: read from this host path when set, otherwise `content` is the file.
    std::filesystem::path hostSource;
    std::string content;
    std::string linkTarget; // Symlink
    // Where the entry came from ("recipe.json: /layers/0/files/2"), for conflict messages.
    std::string origin;
    // Parent directories the builder added itself; an explicit entry may replace them.
    bool implicit = false;
};

struct BuiltLayer
{
    std::string digest;             // sha256 of the .tar.gz: the blob's name in the registry
    std::string diffId;             // sha256 of the uncompressed tar: the config's rootfs.diff_ids
    std::uint64_t size = 0;         // of the .tar.gz
    std::uint64_t tarSize = 0;      // of the uncompressed tar
    std::filesystem::path blobPath; // <blobDir>/<hex of digest>
};

// Collects entries, then writes them as a layer whose bytes depend only on the entries: names
// sorted, every parent directory present, mtime 0, uid/gid 0 without user names, and a gzip header
// without a timestamp. Building the same recipe twice therefore yields the same digests, and an
// unchanged layer is not uploaded again.
class LayerBuilder
{
public:
    // Adds an entry and the parent directories it needs. Adding the same entry twice is harmless
    // (library closures overlap); two different entries at one path are an error naming both.
    Status add(LayerEntry entry);

    const std::map<std::string, LayerEntry> &entries() const { return m_entries; }

    // Writes <blobDir>/<hex> and returns its digests. The uncompressed tar is staged in blobDir
    // and removed; nothing is held in memory beyond a read buffer.
    Result<BuiltLayer> write(const std::filesystem::path &blobDir) const;

private:
    Status addOne(LayerEntry entry);

    std::map<std::string, LayerEntry> m_entries; // sorted by path: parents come first
};

// "1.2 MB": sizes in progress lines, decimal units like docker's.
std::string humanSize(std::uint64_t bytes);

} // namespace flowlab
