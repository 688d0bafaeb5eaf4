#include "engine/kube/store/Store.h"

#include "engine/kube/store/EtcdStore.h"
#include "engine/kube/store/SqliteStore.h"

#include <arpa/inet.h>
#include <cstring>
#include <curl/curl.h>

namespace flowlab::kube {

namespace {

constexpr const char *kForms =
    "expected sqlite:PATH (e.g. sqlite:/var/lib/flowlab/kube/store.db) or etcd:URL "
    "(e.g. etcd:http://127.0.0.1:2379)";

struct UrlCleanup
{
    void operator()(CURLU *url) const { curl_url_cleanup(url); }
};

// One part of a parsed URL, or "" when it has none.
std::string urlPart(CURLU *url, CURLUPart part)
{
    char *text = nullptr;
    if (curl_url_get(url, part, &text, 0) != CURLUE_OK || !text)
        return {};
    std::string copy(text);
    curl_free(text);
    return copy;
}

// Loopback (127.0.0.0/8, localhost, ::1) or the lab's host-only network (192.168.56.0/24).
// Literal addresses only, besides localhost: a name could resolve anywhere.
bool isLoopbackOrLab(const std::string &host)
{
    if (strcasecmp(host.c_str(), "localhost") == 0 || host == "[::1]")
        return true;
    in_addr address{};
    if (inet_pton(AF_INET, host.c_str(), &address) != 1)
        return false;
    const std::uint32_t ip = ntohl(address.s_addr);
    return (ip >> 24) == 127 || (ip >> 8) == ((192u << 16) | (168u << 8) | 56u);
}

// Parses an etcd URL with curl's own parser (the one that will connect, so that a
// "http://127.0.0.1@elsewhere" cannot mean one host here and another there), checks that
// it stays on loopback or the lab, and returns it as "http://host:port".
Result<std::string> labEtcdUrl(const std::string &url)
{
    const std::string what = "store etcd:" + url;
    std::unique_ptr<CURLU, UrlCleanup> parsed(curl_url());
    if (!parsed)
        return Error("curl_url failed").context(what);
    if (const CURLUcode code = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
        code != CURLUE_OK)
        return Error(std::string("not a URL: ") + curl_url_strerror(code) + "; " + kForms)
            .context(what);

    const std::string scheme = urlPart(parsed.get(), CURLUPART_SCHEME);
    if (scheme != "http")
        return Error("scheme " + scheme +
                     " is not supported: the store speaks plain http to an etcd on loopback "
                     "or the lab")
            .context(what);
    if (!urlPart(parsed.get(), CURLUPART_USER).empty())
        return Error("credentials in the URL are not supported").context(what);
    const std::string path = urlPart(parsed.get(), CURLUPART_PATH);
    if ((!path.empty() && path != "/") || !urlPart(parsed.get(), CURLUPART_QUERY).empty() ||
        !urlPart(parsed.get(), CURLUPART_FRAGMENT).empty())
        return Error("the URL must name only etcd's host and port, e.g. http://127.0.0.1:2379")
            .context(what);

    const std::string host = urlPart(parsed.get(), CURLUPART_HOST);
    if (!isLoopbackOrLab(host))
        return Error("host " + host +
                     " is neither loopback (127.0.0.0/8, localhost) nor the lab "
                     "(192.168.56.0/24): the store only talks to loopback or the lab")
            .context(what);

    const std::string port = urlPart(parsed.get(), CURLUPART_PORT);
    return "http://" + host + (port.empty() ? std::string() : ":" + port);
}

template <typename Concrete>
Result<std::unique_ptr<Store>> asStore(Result<std::unique_ptr<Concrete>> opened)
{
    if (!opened)
        return opened.error();
    return std::unique_ptr<Store>(std::move(*opened));
}

} // namespace

Result<std::unique_ptr<Store>> openStore(const std::string &spec)
{
    if (spec.starts_with("sqlite:")) {
        const std::string path = spec.substr(std::strlen("sqlite:"));
        if (path.empty())
            return Error("store \"" + spec + "\" names no file: " + kForms);
        return asStore(SqliteStore::open(path));
    }
    if (spec.starts_with("etcd:")) {
        const std::string url = spec.substr(std::strlen("etcd:"));
        if (url.empty())
            return Error("store \"" + spec + "\" names no URL: " + kForms);
        Result<std::string> checked = labEtcdUrl(url);
        if (!checked)
            return checked.error();
        return asStore(EtcdStore::open(*checked));
    }
    return Error("unknown store \"" + spec + "\": " + kForms);
}

} // namespace flowlab::kube
