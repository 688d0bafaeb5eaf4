#include "engine/kube/pki/ClusterPki.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sstream>
#include <sys/stat.h>

namespace flowlab::kube {

namespace {

template <typename T, void (*Free)(T *)> struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

// The last OpenSSL error, as text: "PEM_write_X509: ...".
Error sslError(const std::string &call)
{
    char text[256] = "unknown error";
    if (const unsigned long code = ERR_get_error())
        ERR_error_string_n(code, text, sizeof text);
    return Error(call + ": " + text);
}

Result<KeyPtr> newKey()
{
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key)
        return sslError("EVP_EC_gen P-256");
    return key;
}

Status addExtension(X509 *cert, X509 *issuer, int nid, const std::string &value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!extension)
        return sslError("X509V3_EXT_conf_nid " + std::string(OBJ_nid2sn(nid)) + "=" + value);
    const int added = X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
    if (!added)
        return sslError("X509_add_ext");
    return success();
}

// A certificate for `key`, signed by `issuerKey` as `issuer` (itself when both are null).
Result<CertPtr> makeCertificate(EVP_PKEY *key, const std::string &commonName, long days,
                                X509 *issuer, EVP_PKEY *issuerKey,
                                const std::vector<std::pair<int, std::string>> &extensions)
{
    CertPtr cert(X509_new());
    if (!cert)
        return sslError("X509_new");
    X509_set_version(cert.get(), 2); // v3
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; // positive
    BIGNUM *number = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get()));
    BN_free(number);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600); // clocks in the lab may lag
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("Flowlab lab"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>(commonName.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    for (const auto &[nid, value] : extensions)
        if (auto added = addExtension(cert.get(), issuer ? issuer : cert.get(), nid, value); !added)
            return added.error();
    if (!X509_sign(cert.get(), issuerKey ? issuerKey : key, EVP_sha256()))
        return sslError("X509_sign");
    return cert;
}

Status writePem(const std::string &path, mode_t mode, const std::function<int(FILE *)> &write)
{
    const std::string temporary = path + ".tmp";
    FILE *file = std::fopen(temporary.c_str(), "w");
    if (!file)
        return Error::fromErrno("creating " + temporary);
    ::chmod(temporary.c_str(), mode);
    const int written = write(file);
    if (std::fclose(file) != 0 || !written)
        return sslError("writing " + temporary);
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        return Error::fromErrno("renaming " + temporary + " to " + path);
    return success();
}

Result<KeyPtr> readKey(const std::string &path)
{
    FILE *file = std::fopen(path.c_str(), "r");
    if (!file)
        return Error::fromErrno("reading " + path);
    KeyPtr key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
    std::fclose(file);
    if (!key)
        return sslError("PEM_read_PrivateKey " + path);
    return key;
}

Result<CertPtr> readCert(const std::string &path)
{
    FILE *file = std::fopen(path.c_str(), "r");
    if (!file)
        return Error::fromErrno("reading " + path);
    CertPtr cert(PEM_read_X509(file, nullptr, nullptr, nullptr));
    std::fclose(file);
    if (!cert)
        return sslError("PEM_read_X509 " + path);
    return cert;
}

std::string subjectAltNames(const ServerIdentity &identity)
{
    std::string names;
    for (const auto &dns : identity.dnsNames)
        names += (names.empty() ? "DNS:" : ",DNS:") + dns;
    for (const auto &ip : identity.ipAddresses)
        names += (names.empty() ? "IP:" : ",IP:") + ip;
    return names;
}

// The subjectAltName of a certificate as OpenSSL prints it, to compare with what we want.
std::string printedAltNames(X509 *cert)
{
    const int index = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
    if (index < 0)
        return {};
    BIO *bio = BIO_new(BIO_s_mem());
    X509V3_EXT_print(bio, X509_get_ext(cert, index), 0, 0);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, std::size_t(size));
    BIO_free(bio);
    return out;
}

} // namespace

Result<std::string> ClusterPki::caPem() const
{
    std::ifstream in(caCertPath);
    if (!in)
        return Error::fromErrno("reading " + caCertPath);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Result<ClusterPki> ensureClusterPki(const std::string &dir, const ServerIdentity &identity)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return Error("creating " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    ClusterPki pki{dir + "/ca.crt", dir + "/apiserver.crt", dir + "/apiserver.key"};
    const std::string caKeyPath = dir + "/ca.key";

    KeyPtr caKey;
    CertPtr caCert;
    if (std::filesystem::exists(pki.caCertPath) && std::filesystem::exists(caKeyPath)) {
        auto key = readKey(caKeyPath);
        auto cert = readCert(pki.caCertPath);
        if (!key || !cert)
            return (key ? cert.error() : key.error()).withContext("the lab CA in " + dir);
        caKey = std::move(*key);
        caCert = std::move(*cert);
    } else {
        auto key = newKey();
        if (!key)
            return key.error();
        auto cert =
            makeCertificate(key->get(), "flowlab-ca", 3650, nullptr, nullptr,
                            {{NID_basic_constraints, "critical,CA:TRUE"},
                             {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                             {NID_subject_key_identifier, "hash"}});
        if (!cert)
            return cert.error().withContext("making the lab CA");
        caKey = std::move(*key);
        caCert = std::move(*cert);
        EVP_PKEY *rawKey = caKey.get();
        X509 *rawCert = caCert.get();
        if (auto s = writePem(caKeyPath, 0600,
                              [&](FILE *f) {
                                  return PEM_write_PrivateKey(f, rawKey, nullptr, nullptr, 0,
                                                              nullptr, nullptr);
                              });
            !s)
            return s.error();
        if (auto s =
                writePem(pki.caCertPath, 0644, [&](FILE *f) { return PEM_write_X509(f, rawCert); });
            !s)
            return s.error();
        std::filesystem::remove(pki.serverCertPath, ec); // a new CA: the old server cert is void
    }

    const std::string wanted = subjectAltNames(identity);
    if (std::filesystem::exists(pki.serverCertPath) && std::filesystem::exists(pki.serverKeyPath)) {
        auto cert = readCert(pki.serverCertPath);
        if (cert) {
            // OpenSSL prints "DNS:a, DNS:b, IP Address:1.2.3.4".
            std::string expected;
            for (const auto &dns : identity.dnsNames)
                expected += (expected.empty() ? "DNS:" : ", DNS:") + dns;
            for (const auto &ip : identity.ipAddresses)
                expected += (expected.empty() ? "IP Address:" : ", IP Address:") + ip;
            if (printedAltNames(cert->get()) == expected)
                return pki;
        }
    }
    auto key = newKey();
    if (!key)
        return key.error();
    auto cert = makeCertificate(key->get(), identity.commonName, 365, caCert.get(), caKey.get(),
                                {{NID_basic_constraints, "critical,CA:FALSE"},
                                 {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                                 {NID_ext_key_usage, "serverAuth"},
                                 {NID_subject_alt_name, wanted}});
    if (!cert)
        return cert.error().withContext("making the apiserver's certificate");
    EVP_PKEY *rawKey = key->get();
    X509 *rawCert = cert->get();
    if (auto s = writePem(pki.serverKeyPath, 0600,
                          [&](FILE *f) {
                              return PEM_write_PrivateKey(f, rawKey, nullptr, nullptr, 0, nullptr,
                                                          nullptr);
                          });
        !s)
        return s.error();
    if (auto s =
            writePem(pki.serverCertPath, 0644, [&](FILE *f) { return PEM_write_X509(f, rawCert); });
        !s)
        return s.error();
    return pki;
}

} // namespace flowlab::kube
