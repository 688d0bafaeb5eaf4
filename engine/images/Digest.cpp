#include "engine/images/Digest.h"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

namespace flowlab {

struct Sha256::Context
{
    EVP_MD_CTX *ctx = nullptr;
};

Sha256::Sha256()
    : m_context(std::make_unique<Context>())
{
    // EVP_sha256 with the default provider cannot fail to initialise short of memory exhaustion,
    // which the rest of the program does not survive either.
    m_context->ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(m_context->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_context->ctx);
}

void Sha256::update(const void *data, std::size_t size)
{
    if (size > 0)
        EVP_DigestUpdate(m_context->ctx, data, size);
}

std::string Sha256::finish()
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context->ctx, md.data(), &length);

    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 0xf];
    }
    return out;
}

std::string sha256Digest(std::string_view bytes)
{
    Sha256 hasher;
    hasher.update(bytes);
    return hasher.finish();
}

Result<std::string> sha256DigestOfFile(const std::filesystem::path &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error::fromErrno("open " + path.string());
    Sha256 hasher;
    std::array<char, 64 * 1024> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            Error error = Error::fromErrno("read " + path.string());
            ::close(fd);
            return error;
        }
        if (n == 0)
            break;
        hasher.update(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return hasher.finish();
}

Result<std::string> digestHex(std::string_view digest)
{
    constexpr std::string_view prefix = "sha256:";
    if (!digest.starts_with(prefix) || digest.size() != prefix.size() + 64)
        return Error("not a sha256 digest: \"" + std::string(digest) + "\"");
    const std::string_view hex = digest.substr(prefix.size());
    for (const char c : hex) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return Error("not a sha256 digest: \"" + std::string(digest) + "\"");
    }
    return std::string(hex);
}

} // namespace flowlab
