#include "app/desktop/model/EventLabel.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace flowlab {

namespace {

// Quoted absolute paths longer than this keep only their last component.
constexpr std::size_t kLongPath = 24;
// Hexadecimal runs at least this long (container IDs, digests) keep their first 12 digits.
constexpr std::size_t kLongHex = 24;
constexpr std::size_t kHexKept = 12;

const std::string kEllipsis = "…";
// A cut moves back to the end of the last whole word when that loses at most this many bytes.
constexpr std::size_t kWordBackoff = 16;

std::string text(const nlohmann::json &attributes, const char *key)
{
    const auto it = attributes.find(key);
    if (it == attributes.end())
        return {};
    if (it->is_string())
        return it->get<std::string>();
    if (it->is_number_integer())
        return std::to_string(it->get<long long>());
    return {};
}

bool isHexDigit(char c)
{
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
}

bool isContinuationByte(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string shortenHexRuns(const std::string &in)
{
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
        std::size_t end = i;
        while (end < in.size() && isHexDigit(in[end]))
            ++end;
        if (end - i >= kLongHex) {
            out += in.substr(i, kHexKept) + kEllipsis;
            i = end;
        } else if (end > i) {
            out += in.substr(i, end - i);
            i = end;
        } else {
            out += in[i++];
        }
    }
    return out;
}

// "/var/lib/flowlab/docker/overlay2/3e9a…/merged" → "…/merged", inside double quotes only.
std::string shortenQuotedPaths(const std::string &in)
{
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
        if (in[i] != '"') {
            out += in[i++];
            continue;
        }
        const std::size_t close = in.find('"', i + 1);
        if (close == std::string::npos) {
            out += in.substr(i);
            break;
        }
        const std::string quoted = in.substr(i + 1, close - i - 1);
        const std::size_t slash = quoted.rfind('/');
        if (quoted.size() > kLongPath && quoted.front() == '/' && slash != std::string::npos &&
            slash + 1 < quoted.size())
            out += "\"" + kEllipsis + quoted.substr(slash) + "\"";
        else
            out += "\"" + quoted + "\"";
        i = close + 1;
    }
    return out;
}

void removeAll(std::string &in, const std::string &what)
{
    for (std::size_t at = in.find(what); at != std::string::npos; at = in.find(what, at))
        in.erase(at, what.size());
}

std::string withoutComponentPrefix(const Event &event)
{
    const std::string prefix = event.source.component + ": ";
    if (!event.source.component.empty() && event.summary.rfind(prefix, 0) == 0)
        return event.summary.substr(prefix.size());
    return event.summary;
}

std::string apiLabel(const Event &event)
{
    const nlohmann::json &attrs = event.attributes;
    const std::string method = text(attrs, "method");
    std::string path = text(attrs, "endpoint");
    if (path.empty())
        path = text(attrs, "path");
    if (method.empty() || path.empty()) {
        // Not decoded: the summary up to the outcome.
        const std::string summary = withoutComponentPrefix(event);
        return summary.substr(0, summary.find(" → "));
    }
    std::string label = method + " " + path;
    if (const auto query = attrs.find("query"); query != attrs.end() && query->is_object()) {
        char separator = '?';
        for (const auto &[key, value] : query->items()) {
            label += separator + key + "=" +
                     (value.is_string() ? value.get<std::string>() : value.dump());
            separator = '&';
        }
    }
    if (text(attrs, "direction") == "response") {
        const std::string status = text(attrs, "status");
        const std::string reason = text(attrs, "reason");
        if (!status.empty())
            label += " → " + status + (reason.empty() ? "" : " " + reason);
    }
    return label;
}

std::string packetLabel(const Event &event)
{
    const nlohmann::json &attrs = event.attributes;
    std::string http = text(attrs, "http");
    if (!http.empty()) {
        // A request line without its protocol version; a status line as it is.
        for (const char *version : {" HTTP/1.1", " HTTP/1.0", " HTTP/2"})
            if (http.size() > std::strlen(version) &&
                http.compare(http.size() - std::strlen(version), std::string::npos, version) == 0)
                http.erase(http.size() - std::strlen(version));
        return http;
    }
    const std::string src = text(attrs, "src"), dst = text(attrs, "dst");
    if (src.empty() || dst.empty())
        return withoutComponentPrefix(event);
    std::string what = text(attrs, "flags");
    if (what.empty()) {
        what = text(attrs, "proto");
        for (char &c : what)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const std::string dport = text(attrs, "dport");
    return (what.empty() ? "" : what + " ") + src + " → " + dst +
           (dport.empty() ? "" : ":" + dport);
}

std::string syscallLabel(const Event &event)
{
    std::string line = text(event.attributes, "line");
    if (line.empty())
        line = withoutComponentPrefix(event);
    // Success is the rule; a failure keeps its result.
    if (line.size() > 4 && line.compare(line.size() - 4, 4, " = 0") == 0)
        line.erase(line.size() - 4);
    removeAll(line, "CLONE_");
    return shortenQuotedPaths(line);
}

std::string processLabel(const Event &event)
{
    const auto argv = event.attributes.find("argv");
    if (text(event.attributes, "event") != "exec" || argv == event.attributes.end() ||
        !argv->is_array() || argv->empty())
        return withoutComponentPrefix(event);
    std::string label = "exec";
    bool first = true;
    for (const auto &arg : *argv) {
        if (!arg.is_string())
            continue;
        std::string word = arg.get<std::string>();
        if (first) {
            word = word.substr(word.rfind('/') == std::string::npos ? 0 : word.rfind('/') + 1);
            first = false;
        }
        label += " " + word;
    }
    return label;
}

std::string grpcLabel(const Event &event)
{
    std::string service = text(event.attributes, "service");
    const std::string method = text(event.attributes, "method");
    if (!service.empty() && !method.empty())
        return service.substr(service.rfind('.') == std::string::npos ? 0
                                                                      : service.rfind('.') + 1) +
               "/" + method;
    // "dockerd → containerd: /containerd.services.tasks.v1.Tasks/Create" → "Tasks/Create"
    const std::string &summary = event.summary;
    const auto slash = summary.rfind('/');
    if (slash == std::string::npos)
        return summary;
    const auto dot = summary.rfind('.', slash);
    return dot == std::string::npos ? summary.substr(slash + 1) : summary.substr(dot + 1);
}

} // namespace

std::string cutText(const std::string &text, std::size_t maxChars)
{
    if (maxChars == 0)
        return {};
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (isContinuationByte(text[i]))
            continue;
        if (chars == maxChars - 1) {
            // Would the rest fit in the one character left?
            std::size_t rest = 0;
            for (std::size_t j = i; j < text.size(); ++j)
                rest += !isContinuationByte(text[j]);
            if (rest <= 1)
                return text;
            // Rather at the end of a word, when one ended not long before.
            const std::size_t space = text.rfind(' ', i);
            if (space != std::string::npos && space > 0 && i - space <= kWordBackoff)
                return text.substr(0, space + 1) + kEllipsis;
            return text.substr(0, i) + kEllipsis;
        }
        ++chars;
    }
    return text;
}

std::string eventLabel(const Event &event, std::size_t maxChars)
{
    std::string label;
    switch (event.kind) {
    case EventKind::Api:
        label = apiLabel(event);
        break;
    case EventKind::Packet:
        label = packetLabel(event);
        break;
    case EventKind::Syscall:
        label = syscallLabel(event);
        break;
    case EventKind::Process:
        label = processLabel(event);
        break;
    case EventKind::Grpc:
        label = grpcLabel(event);
        break;
    default:
        label = withoutComponentPrefix(event);
        break;
    }
    return cutText(shortenHexRuns(label), maxChars);
}

} // namespace flowlab
