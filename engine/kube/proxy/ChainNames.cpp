#include "engine/kube/proxy/ChainNames.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <openssl/sha.h>

namespace flowlab::kube::proxy {

namespace {

// RFC 4648 base32 with its standard alphabet, as Go's base32.StdEncoding. Only the first 16
// characters are ever used, which the first 10 bytes of the digest fully determine.
std::string base32Prefix(const unsigned char *data, std::size_t size, std::size_t characters)
{
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    std::uint64_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < size && out.size() < characters; ++i) {
        buffer = (buffer << 8) | data[i];
        bits += 8;
        while (bits >= 5 && out.size() < characters) {
            out += kAlphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    return out;
}

std::string hashOf(const std::string &text)
{
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char *>(text.data()), text.size(), digest.data());
    return base32Prefix(digest.data(), digest.size(), 16);
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

} // namespace

std::string portProtoHash(const std::string &servicePortName, const std::string &protocol)
{
    return hashOf(servicePortName + lower(protocol));
}

std::string serviceChainName(const std::string &servicePortName, const std::string &protocol)
{
    return "KUBE-SVC-" + portProtoHash(servicePortName, protocol);
}

std::string externalChainName(const std::string &servicePortName, const std::string &protocol)
{
    return "KUBE-EXT-" + portProtoHash(servicePortName, protocol);
}

std::string endpointChainName(const std::string &servicePortName, const std::string &protocol,
                              const std::string &endpoint)
{
    return "KUBE-SEP-" + hashOf(servicePortName + lower(protocol) + endpoint);
}

} // namespace flowlab::kube::proxy
