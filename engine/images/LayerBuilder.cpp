#include "engine/images/LayerBuilder.h"

#include "engine/images/Digest.h"

#include <archive.h>
#include <archive_entry.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace flowlab {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

const char *typeName(LayerEntry::Type type)
{
    switch (type) {
    case LayerEntry::Type::File:
        return "a file";
    case LayerEntry::Type::Directory:
        return "a directory";
    case LayerEntry::Type::Symlink:
        return "a symlink";
    }
    return "?";
}

bool sameEntry(const LayerEntry &a, const LayerEntry &b)
{
    return a.type == b.type && a.mode == b.mode && a.hostSource == b.hostSource &&
           a.content == b.content && a.linkTarget == b.linkTarget;
}

// Closes a file descriptor when the scope ends: every early return below stays leak-free.
struct FdGuard
{
    int fd = -1;
    ~FdGuard()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

// Removes a staging file unless it was renamed into place.
struct TempFileGuard
{
    std::filesystem::path path;
    ~TempFileGuard()
    {
        if (!path.empty())
            ::unlink(path.c_str());
    }
};

using ArchivePtr = std::unique_ptr<struct archive, decltype(&archive_write_free)>;

// libarchive's output goes through here: written to `fd` and hashed on the way, so the digest
// costs no second read.
struct HashingSink
{
    int fd = -1;
    Sha256 hasher;
    std::uint64_t bytes = 0;
};

la_ssize_t writeToSink(struct archive *archive, void *client, const void *buffer, size_t length)
{
    auto *sink = static_cast<HashingSink *>(client);
    const char *data = static_cast<const char *>(buffer);
    size_t done = 0;
    while (done < length) {
        const ssize_t n = ::write(sink->fd, data + done, length - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            archive_set_error(archive, errno, "write");
            return -1;
        }
        done += static_cast<size_t>(n);
    }
    sink->hasher.update(buffer, length);
    sink->bytes += length;
    return static_cast<la_ssize_t>(length);
}

Error archiveError(struct archive *archive, const std::string &what)
{
    const char *message = archive_error_string(archive);
    return Error(what + ": " + (message ? message : "unknown libarchive error"));
}

Result<int> createTemp(const std::filesystem::path &dir, const char *suffix,
                       std::filesystem::path *path)
{
    std::string name = (dir / ".layer-XXXXXX").string() + suffix;
    const int fd = ::mkstemps(name.data(), static_cast<int>(std::strlen(suffix)));
    if (fd < 0)
        return Error::fromErrno("mkstemps " + name);
    *path = name;
    return fd;
}

Status writeFileData(struct archive *archive, struct archive_entry *header, const LayerEntry &entry)
{
    FdGuard source{::open(entry.hostSource.c_str(), O_RDONLY | O_CLOEXEC)};
    if (source.fd < 0)
        return Error::fromErrno("open " + entry.hostSource.string());
    struct stat st
    {
    };
    if (::fstat(source.fd, &st) != 0)
        return Error::fromErrno("fstat " + entry.hostSource.string());
    if (!S_ISREG(st.st_mode))
        return Error(entry.hostSource.string() + ": not a regular file");
    archive_entry_set_size(header, st.st_size);
    if (archive_write_header(archive, header) != ARCHIVE_OK)
        return archiveError(archive, "archive_write_header " + entry.path);

    std::array<char, kChunk> buffer{};
    std::int64_t remaining = st.st_size;
    while (remaining > 0) {
        const ssize_t n = ::read(source.fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::fromErrno("read " + entry.hostSource.string());
        // The header already promised st_size bytes; a file that shrinks under us would
        // produce a corrupt tar, so it is an error rather than padding.
        if (n == 0 || n > remaining)
            return Error(entry.hostSource.string() + ": file changed size while being read");
        if (archive_write_data(archive, buffer.data(), static_cast<size_t>(n)) != n)
            return archiveError(archive, "archive_write_data " + entry.path);
        remaining -= n;
    }
    return success();
}

Status writeEntry(struct archive *archive, const LayerEntry &entry)
{
    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> header(archive_entry_new(),
                                                                                archive_entry_free);
    // Tar member names are relative ("usr/sbin/nginx"), as in every docker layer.
    archive_entry_set_pathname(header.get(), entry.path.c_str() + 1);
    archive_entry_set_uid(header.get(), 0);
    archive_entry_set_gid(header.get(), 0);
    archive_entry_set_mtime(header.get(), 0, 0);
    switch (entry.type) {
    case LayerEntry::Type::Directory:
        archive_entry_set_filetype(header.get(), AE_IFDIR);
        archive_entry_set_perm(header.get(), entry.mode);
        break;
    case LayerEntry::Type::Symlink:
        archive_entry_set_filetype(header.get(), AE_IFLNK);
        archive_entry_set_perm(header.get(), 0777);
        archive_entry_set_symlink(header.get(), entry.linkTarget.c_str());
        break;
    case LayerEntry::Type::File:
        archive_entry_set_filetype(header.get(), AE_IFREG);
        archive_entry_set_perm(header.get(), entry.mode);
        if (!entry.hostSource.empty())
            return writeFileData(archive, header.get(), entry).context("adding " + entry.path);
        archive_entry_set_size(header.get(), static_cast<la_int64_t>(entry.content.size()));
        if (archive_write_header(archive, header.get()) != ARCHIVE_OK)
            return archiveError(archive, "archive_write_header " + entry.path);
        if (!entry.content.empty() &&
            archive_write_data(archive, entry.content.data(), entry.content.size()) !=
                static_cast<la_ssize_t>(entry.content.size()))
            return archiveError(archive, "archive_write_data " + entry.path);
        return success();
    }
    if (archive_write_header(archive, header.get()) != ARCHIVE_OK)
        return archiveError(archive, "archive_write_header " + entry.path);
    return success();
}

// Pass 1: the uncompressed tar, hashed into the diff_id.
Status writeTar(const std::map<std::string, LayerEntry> &entries, HashingSink &sink)
{
    ArchivePtr archive(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(archive.get());
    archive_write_add_filter_none(archive.get());
    archive_write_set_bytes_in_last_block(archive.get(), 1);
    if (archive_write_open(archive.get(), &sink, nullptr, writeToSink, nullptr) != ARCHIVE_OK)
        return archiveError(archive.get(), "archive_write_open");
    for (const auto &[path, entry] : entries) {
        if (auto ok = writeEntry(archive.get(), entry); !ok)
            return ok;
    }
    if (archive_write_close(archive.get()) != ARCHIVE_OK)
        return archiveError(archive.get(), "archive_write_close");
    return success();
}

// Pass 2: gzip of exactly the bytes hashed in pass 1, so diff_id and blob always agree.
Status gzipFile(int tarFd, HashingSink &sink)
{
    ArchivePtr archive(archive_write_new(), archive_write_free);
    archive_write_set_format_raw(archive.get());
    archive_write_add_filter_gzip(archive.get());
    // Without this the gzip header carries the current time and every build gets a new digest.
    if (archive_write_set_filter_option(archive.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK)
        return archiveError(archive.get(), "archive_write_set_filter_option gzip:!timestamp");
    // No zero padding after the gzip trailer: registries and gunzip reject trailing garbage.
    archive_write_set_bytes_in_last_block(archive.get(), 1);
    if (archive_write_open(archive.get(), &sink, nullptr, writeToSink, nullptr) != ARCHIVE_OK)
        return archiveError(archive.get(), "archive_write_open");

    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> header(archive_entry_new(),
                                                                                archive_entry_free);
    archive_entry_set_filetype(header.get(), AE_IFREG);
    archive_entry_set_pathname(header.get(), "layer.tar");
    if (archive_write_header(archive.get(), header.get()) != ARCHIVE_OK)
        return archiveError(archive.get(), "archive_write_header");
    if (::lseek(tarFd, 0, SEEK_SET) < 0)
        return Error::fromErrno("lseek");
    std::array<char, kChunk> buffer{};
    for (;;) {
        const ssize_t n = ::read(tarFd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::fromErrno("read staged tar");
        if (n == 0)
            break;
        if (archive_write_data(archive.get(), buffer.data(), static_cast<size_t>(n)) != n)
            return archiveError(archive.get(), "archive_write_data (gzip)");
    }
    if (archive_write_close(archive.get()) != ARCHIVE_OK)
        return archiveError(archive.get(), "archive_write_close (gzip)");
    return success();
}

} // namespace

Status LayerBuilder::add(LayerEntry entry)
{
    // Parents shallowest first, so "/usr" exists before "/usr/lib" is checked against it.
    std::vector<std::string> parents;
    for (auto slash = entry.path.rfind('/'); slash != 0 && slash != std::string::npos;
         slash = entry.path.rfind('/', slash - 1))
        parents.insert(parents.begin(), entry.path.substr(0, slash));
    for (const std::string &parent : parents) {
        const auto existing = m_entries.find(parent);
        if (existing != m_entries.end()) {
            if (existing->second.type != LayerEntry::Type::Directory)
                return Error(entry.path + " (" + entry.origin + ") needs " + parent +
                             " to be a directory, but it is " + typeName(existing->second.type) +
                             " (" + existing->second.origin + ")");
            continue;
        }
        LayerEntry directory;
        directory.type = LayerEntry::Type::Directory;
        directory.path = parent;
        directory.mode = 0755;
        directory.origin = "parent of " + entry.path;
        directory.implicit = true;
        m_entries.emplace(parent, std::move(directory));
    }
    return addOne(std::move(entry));
}

Status LayerBuilder::addOne(LayerEntry entry)
{
    entry.implicit = false;
    const auto existing = m_entries.find(entry.path);
    if (existing == m_entries.end()) {
        m_entries.emplace(entry.path, std::move(entry));
        return success();
    }
    LayerEntry &current = existing->second;
    if (current.implicit && entry.type == LayerEntry::Type::Directory) {
        current = std::move(entry);
        return success();
    }
    if (sameEntry(current, entry))
        return success();
    return Error(entry.path + " is defined twice: as " + typeName(current.type) + " (" +
                 current.origin + ") and as " + typeName(entry.type) + " (" + entry.origin + ")");
}

Result<BuiltLayer> LayerBuilder::write(const std::filesystem::path &blobDir) const
{
    std::error_code ec;
    std::filesystem::create_directories(blobDir, ec);
    if (ec)
        return Error("mkdir -p " + blobDir.string() + ": " + ec.message());

    TempFileGuard tarFile;
    auto tarFd = createTemp(blobDir, ".tar", &tarFile.path);
    if (!tarFd)
        return tarFd.error();
    FdGuard tarGuard{*tarFd};
    HashingSink tarSink;
    tarSink.fd = *tarFd;
    if (auto ok = writeTar(m_entries, tarSink); !ok)
        return ok.error().withContext("writing layer tar " + tarFile.path.string());

    TempFileGuard gzFile;
    auto gzFd = createTemp(blobDir, ".tar.gz", &gzFile.path);
    if (!gzFd)
        return gzFd.error();
    FdGuard gzGuard{*gzFd};
    // mkstemps creates 0600; blobs are published content, readable like any other cache file.
    if (::fchmod(*gzFd, 0644) != 0)
        return Error::fromErrno("fchmod " + gzFile.path.string());
    HashingSink gzSink;
    gzSink.fd = *gzFd;
    if (auto ok = gzipFile(*tarFd, gzSink); !ok)
        return ok.error().withContext("compressing layer " + gzFile.path.string());
    if (::fsync(*gzFd) != 0)
        return Error::fromErrno("fsync " + gzFile.path.string());

    BuiltLayer layer;
    layer.diffId = tarSink.hasher.finish();
    layer.tarSize = tarSink.bytes;
    layer.digest = gzSink.hasher.finish();
    layer.size = gzSink.bytes;
    layer.blobPath = blobDir / layer.digest.substr(std::string_view("sha256:").size());
    if (::rename(gzFile.path.c_str(), layer.blobPath.c_str()) != 0)
        return Error::fromErrno("rename " + gzFile.path.string() + " to " +
                                layer.blobPath.string());
    gzFile.path.clear();
    return layer;
}

std::string humanSize(std::uint64_t bytes)
{
    static constexpr const char *units[] = {"kB", "MB", "GB", "TB"};
    if (bytes < 1000)
        return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes) / 1000.0;
    std::size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < std::size(units)) {
        value /= 1000.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

} // namespace flowlab
