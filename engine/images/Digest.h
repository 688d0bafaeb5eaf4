#pragma once

// SHA-256 digests in the "sha256:<hex>" form that image manifests and registries use.

#include "tracer/base/Result.h"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace flowlab {

// Streaming SHA-256: feed bytes as they are produced (a layer is hashed while it is written),
// then finish() once. Backed by OpenSSL EVP.
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void update(const void *data, std::size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

    // "sha256:<64 hex digits>". The hasher cannot be fed after this.
    std::string finish();

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

// Digest of a byte string, e.g. a manifest.
std::string sha256Digest(std::string_view bytes);

// Digest of a file's contents, read in chunks.
Result<std::string> sha256DigestOfFile(const std::filesystem::path &path);

// The hex part of "sha256:<hex>", or an error if `digest` is not a well-formed sha256 digest.
// Blob file names are this hex part, so a malformed digest must never become a path.
Result<std::string> digestHex(std::string_view digest);

} // namespace flowlab
