#include "app/desktop/inspector/EvidenceText.h"

#include "app/desktop/inspector/EvidenceAttributes.h"

#include <QRegularExpression>
#include <QStringList>
#include <algorithm>
#include <set>

namespace flowlab::evidence {

namespace {

QString attrQ(const Event &event, std::string_view key)
{
    return qs(attrText(event, key));
}

QString cut(QString text, qsizetype limit)
{
    if (text.size() <= limit)
        return text;
    const qsizetype total = text.size();
    text.truncate(limit);
    return text + QStringLiteral("\n… cut here: %1 more characters, the Raw tab has all of it")
                      .arg(total - limit);
}

// A value for a "field: value" line: strings bare, lists of scalars joined, the rest compact.
QString fieldValue(const nlohmann::json &value)
{
    if (value.is_string())
        return qs(value.get<std::string>());
    if (value.is_array() &&
        std::all_of(value.begin(), value.end(), [](const auto &v) { return v.is_primitive(); })) {
        QStringList parts;
        for (const nlohmann::json &item : value)
            parts << fieldValue(item);
        return parts.join(QStringLiteral(", "));
    }
    return cut(qs(prettyJson(value, -1)), 600);
}

QString headerLines(const Event &event)
{
    QString text;
    if (const nlohmann::json *headers = attr(event, "headers"); headers && headers->is_object())
        for (const auto &[name, value] : headers->items())
            text += qs(name) + QStringLiteral(": ") + fieldValue(value) + '\n';
    return text;
}

QString queryString(const Event &event)
{
    const nlohmann::json *query = attr(event, "query");
    if (!query || !query->is_object() || query->empty())
        return {};
    QStringList parts;
    for (const auto &[name, value] : query->items())
        parts << qs(name) + '=' + fieldValue(value);
    return '?' + parts.join('&');
}

QString httpBody(const Event &event)
{
    QString text;
    const nlohmann::json *body = attr(event, "body");
    const auto length = attrInteger(event, "bodyLength").value_or(0);
    if (body && !body->is_null()) {
        if (body->is_string())
            text = cut(qs(body->get<std::string>()), 200 * 1024);
        else
            text = prettyText(*body);
        if (body->is_array() && attrIsTrue(event, "streamed"))
            text.prepend(QStringLiteral("// streamed: %1 JSON messages\n").arg(body->size()));
    } else if (length > 0) {
        text = QStringLiteral("(a body of %1 bytes, not captured)").arg(length);
    } else {
        text = QStringLiteral("(no body)");
    }
    if (attrIsTrue(event, "bodyTruncated"))
        text += QStringLiteral("\n… the tap kept only the start of this body (%1 bytes in all)")
                    .arg(length);
    if (auto omitted = attrInteger(event, "messagesOmitted"); omitted && *omitted > 0)
        text += QStringLiteral("\n… and %1 more messages the tap did not keep").arg(*omitted);
    return text;
}

// protoc --decode_raw style: field numbers, nested messages in braces.
void appendProtobufFields(QString &out, const nlohmann::json &fields, int depth)
{
    if (!fields.is_array())
        return;
    const QString indent(depth * 2, ' ');
    for (const nlohmann::json &field : fields) {
        const QString number = qs(memberText(field, "field"));
        const std::string type = memberText(field, "type");
        const nlohmann::json *nested = member(field, "fields");
        if (nested && nested->is_array()) {
            out += indent + number + QStringLiteral(" {\n");
            appendProtobufFields(out, *nested, depth + 1);
            out += indent + QStringLiteral("}\n");
            continue;
        }
        const nlohmann::json *value = member(field, "value");
        QString shown;
        if (type == "string" && value && value->is_string()) {
            shown = '"' + qs(value->get<std::string>()) + '"';
            const auto length = integerOf(member(field, "length"));
            if (length &&
                *length > static_cast<std::int64_t>(value->get_ref<const std::string &>().size()))
                shown += QStringLiteral("  … (%1 bytes in all)").arg(*length);
        } else {
            shown = value ? fieldValue(*value) : QString();
            if (auto sign = integerOf(member(field, "signed"));
                sign && value && value->is_number_unsigned() &&
                static_cast<std::int64_t>(value->get<std::uint64_t>()) == *sign && *sign < 0)
                shown += QStringLiteral("  (signed %1)").arg(*sign);
        }
        out += indent + number + QStringLiteral(": ") + shown + '\n';
    }
}

QString protobufText(const Event &event, const char *key, const char *completeKey)
{
    const nlohmann::json *fields = attr(event, key);
    if (!fields || !fields->is_array() || fields->empty())
        return QStringLiteral("(no fields decoded)\n");
    QString text;
    appendProtobufFields(text, *fields, 0);
    if (const nlohmann::json *complete = attr(event, completeKey);
        complete && complete->is_boolean() && !complete->get<bool>())
        text += QStringLiteral("… the tap decoded only the start of this message\n");
    return text;
}

QString shellQuoted(const nlohmann::json &argv)
{
    QStringList words;
    for (const nlohmann::json &word : argv) {
        QString text = fieldValue(word);
        if (text.isEmpty() || text.contains(QRegularExpression(QStringLiteral("[\\s'\"$;&|]"))))
            text = '\'' + text.replace('\'', QStringLiteral("'\\''")) + '\'';
        words << text;
    }
    return words.join(' ');
}

QString commandLine(const Event &event)
{
    if (const nlohmann::json *argv = attr(event, "argv"); argv && argv->is_array()) {
        QString line = shellQuoted(*argv);
        if (line.startsWith(QStringLiteral("/usr/bin/")))
            line.remove(0, 9);
        return line;
    }
    if (QString url = attrQ(event, "url"); !url.isEmpty())
        return QStringLiteral("GET ") + url;
    return qs(event.summary);
}

QString requestSide(const Exchange &exchange, const char *http, const char *other)
{
    const Event *event = exchange.primary();
    return event && event->kind == EventKind::Api ? QString::fromUtf8(http)
                                                  : QString::fromUtf8(other);
}

} // namespace

QString prettyText(const nlohmann::json &value, qsizetype limit)
{
    return cut(qs(prettyJson(value)), limit);
}

QString eventJson(const Event &event)
{
    nlohmann::json json = event;
    return qs(prettyJson(json));
}

QString relativeSeconds(std::int64_t ns, std::int64_t originNs)
{
    return QString::number(static_cast<double>(ns - originNs) / 1e9, 'f', 6);
}

// --- API ------------------------------------------------------------------------------------

QString exchangeMethod(const Exchange &exchange)
{
    const Event *event = exchange.primary();
    if (!event)
        return {};
    switch (event->kind) {
    case EventKind::Api:
        return attrQ(*event, "method");
    case EventKind::Grpc:
        return QStringLiteral("gRPC");
    case EventKind::Command:
        return attr(*event, "url") ? QStringLiteral("HTTP") : QStringLiteral("CLI");
    case EventKind::Audit:
        return QStringLiteral("audit");
    default:
        return qs(std::string(toString(event->kind)));
    }
}

QString exchangePath(const Exchange &exchange)
{
    const Event *event = exchange.primary();
    if (!event)
        return {};
    switch (event->kind) {
    case EventKind::Api: {
        QString path = attrQ(*event, "endpoint");
        if (path.isEmpty())
            path = attrQ(*event, "path");
        return path + queryString(*event);
    }
    case EventKind::Grpc:
        return attrQ(*event, "path");
    case EventKind::Command:
        return commandLine(*event);
    default:
        return qs(event->summary);
    }
}

QString exchangeStatus(const Exchange &exchange)
{
    const Event *response = exchange.response;
    if (!response)
        return exchange.request && exchange.request->kind == EventKind::Audit
                   ? attrQ(*exchange.request, "stage")
                   : QStringLiteral("—");
    switch (response->kind) {
    case EventKind::Api:
        return (attrQ(*response, "status") + ' ' + attrQ(*response, "reason")).trimmed();
    case EventKind::Grpc: {
        QString name = attrQ(*response, "status_name");
        return name.isEmpty() ? attrQ(*response, "status_code") : name;
    }
    case EventKind::Command:
        if (attr(*response, "exit_code"))
            return QStringLiteral("exit ") + attrQ(*response, "exit_code");
        return attrQ(*response, "status");
    default:
        return {};
    }
}

bool exchangeFailed(const Exchange &exchange)
{
    const Event *response = exchange.response;
    if (!response)
        return false;
    switch (response->kind) {
    case EventKind::Api:
        return attrInteger(*response, "status").value_or(0) >= 400 || attr(*response, "error");
    case EventKind::Grpc:
        return attrInteger(*response, "status_code").value_or(0) != 0;
    case EventKind::Command:
        if (auto code = attrInteger(*response, "exit_code"))
            return *code != 0;
        return attrInteger(*response, "status").value_or(0) >= 400;
    default:
        return false;
    }
}

std::optional<double> exchangeDurationMs(const Exchange &exchange)
{
    if (!exchange.response)
        return std::nullopt;
    if (auto ms = attrNumber(*exchange.response, "durationMs"))
        return ms;
    if (auto ms = attrNumber(*exchange.response, "duration_ms"))
        return ms;
    if (exchange.request)
        return static_cast<double>(exchange.response->monotonicNs - exchange.request->monotonicNs) /
               1e6;
    return std::nullopt;
}

QString requestTitle(const Exchange &exchange)
{
    const Event *event = exchange.request ? exchange.request : exchange.response;
    if (!event)
        return {};
    QString who;
    if (event->kind == EventKind::Grpc)
        who = attrQ(*event, "caller") + QStringLiteral(" → ") + qs(event->source.component);
    else if (event->kind == EventKind::Api)
        who = QStringLiteral("to ") + qs(event->source.component);
    else
        who = qs(event->source.component);
    return requestSide(exchange, "Request", "Call") + QStringLiteral(" · ") + who;
}

QString responseTitle(const Exchange &exchange)
{
    if (!exchange.response)
        return QStringLiteral("Response · none recorded");
    QString title = QStringLiteral("Response · ") + exchangeStatus(exchange);
    if (auto ms = exchangeDurationMs(exchange))
        title += QStringLiteral(" · %1 ms").arg(*ms, 0, 'f', *ms < 10 ? 1 : 0);
    return title;
}

QString requestText(const Exchange &exchange)
{
    const Event *event = exchange.request;
    if (!event)
        return QStringLiteral("The request was not recorded; the response names it:\n\n") +
               exchangeMethod(exchange) + ' ' + exchangePath(exchange) + '\n';
    switch (event->kind) {
    case EventKind::Api:
        return attrQ(*event, "method") + ' ' + attrQ(*event, "path") + queryString(*event) +
               QStringLiteral(" HTTP/1.1\n") + headerLines(*event) + '\n' + httpBody(*event);
    case EventKind::Grpc: {
        QString text = attrQ(*event, "path") + '\n';
        for (const char *key : {"caller", "namespace", "authority", "timeout"})
            if (QString value = attrQ(*event, key); !value.isEmpty())
                text += QString::fromUtf8(key) + QStringLiteral(": ") + value + '\n';
        if (const nlohmann::json *metadata = attr(*event, "metadata");
            metadata && metadata->is_object())
            for (const auto &[name, value] : metadata->items())
                text += qs(name) + QStringLiteral(": ") + fieldValue(value) + '\n';
        text += QStringLiteral("\n# request message, decoded by field number\n");
        return text + protobufText(*event, "request_fields", "request_fields_complete");
    }
    case EventKind::Command: {
        QString text = QStringLiteral("$ ") + commandLine(*event) + '\n';
        if (QString from = attrQ(*event, "from"); !from.isEmpty())
            text += QStringLiteral("# run in ") + from + '\n';
        if (QString action = attrQ(*event, "action"); !action.isEmpty())
            text += QStringLiteral("# lesson action: ") + action + '\n';
        return text;
    }
    default:
        return qs(event->summary) + QStringLiteral("\n\n") + prettyText(event->attributes);
    }
}

QString responseText(const Exchange &exchange)
{
    const Event *event = exchange.response;
    if (!event)
        return QStringLiteral("No response was recorded: the call was still open when the run "
                              "ended, or the answer never came.");
    switch (event->kind) {
    case EventKind::Api: {
        QString text = QStringLiteral("HTTP/1.1 ") + attrQ(*event, "status") + ' ' +
                       attrQ(*event, "reason") + '\n' + headerLines(*event) + '\n' +
                       httpBody(*event);
        if (QString error = attrQ(*event, "error"); !error.isEmpty() && !attr(*event, "body"))
            text += QStringLiteral("\nerror: ") + error;
        return text;
    }
    case EventKind::Grpc: {
        QString text = QStringLiteral("status: ") + attrQ(*event, "status_name") +
                       QStringLiteral(" (") + attrQ(*event, "status_code") + QStringLiteral(")\n");
        if (QString message = attrQ(*event, "grpc_message"); !message.isEmpty())
            text += QStringLiteral("message: ") + message + '\n';
        if (QString http = attrQ(*event, "http_status"); !http.isEmpty())
            text += QStringLiteral("http status: ") + http + '\n';
        text += QStringLiteral("\n# response message, decoded by field number\n");
        return text + protobufText(*event, "response_fields", "response_fields_complete");
    }
    case EventKind::Command: {
        QString text;
        if (attr(*event, "exit_code"))
            text += QStringLiteral("exit code ") + attrQ(*event, "exit_code") + '\n';
        if (attr(*event, "status"))
            text += QStringLiteral("HTTP status ") + attrQ(*event, "status") + '\n';
        for (const char *key : {"local_address", "remote_address"})
            if (QString value = attrQ(*event, key); !value.isEmpty())
                text +=
                    QString::fromUtf8(key).replace('_', ' ') + QStringLiteral(": ") + value + '\n';
        for (const char *key : {"stdout", "stderr", "body"})
            if (QString value = attrQ(*event, key); !value.isEmpty())
                text += QStringLiteral("\n── %1 ──\n").arg(QString::fromUtf8(key)) +
                        cut(value, 100 * 1024);
        return text;
    }
    default:
        return prettyText(event->attributes);
    }
}

// --- Packets --------------------------------------------------------------------------------

QString packetNumber(const Event &packet)
{
    if (auto frame = attrInteger(packet, "frame"))
        return QString::number(*frame);
    if (auto index = attrInteger(packet, "index"))
        return QString::number(*index + 1);
    return QStringLiteral("#%1").arg(packet.seq);
}

QString packetEndpoint(const Event &packet, bool source)
{
    const QString address = attrQ(packet, source ? "src" : "dst");
    const QString port = attrQ(packet, source ? "sport" : "dport");
    if (port.isEmpty())
        return address;
    return (address.contains(':') ? '[' + address + ']' : address) + ':' + port;
}

QString packetProtocol(const Event &packet)
{
    QString proto = attrQ(packet, "proto").toUpper();
    if (!attrText(packet, "http").empty())
        return QStringLiteral("HTTP");
    if (packet.kind == EventKind::Dns)
        return QStringLiteral("DNS");
    return proto.isEmpty() ? qs(std::string(toString(packet.kind))).toUpper() : proto;
}

QString packetInfo(const Event &packet)
{
    QStringList parts;
    if (QString flags = attrQ(packet, "flags"); !flags.isEmpty())
        parts << '[' + flags + ']';
    if (auto payload = attrInteger(packet, "payload_len"))
        parts << QStringLiteral("Len=%1").arg(*payload);
    for (const char *key : {"http", "query", "qname", "answers", "icmp_type", "type", "code"})
        if (QString value = attrQ(packet, key); !value.isEmpty())
            parts << value;
    return parts.isEmpty() ? qs(packet.summary) : parts.join(' ');
}

QString packetInterface(const Event &packet)
{
    QString interface = attrQ(packet, "interface");
    if (interface.isEmpty() && !attrText(packet, "iface").empty())
        interface = attrQ(packet, "netns") + '/' + attrQ(packet, "iface");
    return interface.isEmpty() ? qs(packet.source.netns) : interface;
}

// --- Syscalls -------------------------------------------------------------------------------

QString processName(const Event &event)
{
    QString name = attrQ(event, "comm");
    if (name.isEmpty())
        name = qs(event.source.component);
    if (event.source.pid != 0)
        name += QStringLiteral(" [%1]").arg(event.source.pid);
    return name;
}

QString syscallCall(const Event &event)
{
    switch (event.kind) {
    case EventKind::Syscall:
        return attrQ(event, "syscall");
    case EventKind::Process:
        return attrQ(event, "event");
    case EventKind::Netlink: {
        const QString what =
            attr(event, "address") ? QStringLiteral("addr") : QStringLiteral("link");
        return QStringLiteral("netlink %1 %2").arg(what, attrQ(event, "op")).trimmed();
    }
    default:
        return qs(std::string(toString(event.kind)));
    }
}

QString syscallArguments(const Event &event)
{
    if (event.kind == EventKind::Syscall) {
        const QString line = attrQ(event, "line");
        const QString call = attrQ(event, "syscall");
        const qsizetype open = line.indexOf('(');
        if (open >= 0) {
            qsizetype close = line.lastIndexOf(QStringLiteral(") = "));
            if (close < open)
                close = line.endsWith(')') ? line.size() - 1 : line.size();
            return line.mid(open + 1, close - open - 1);
        }
        if (const nlohmann::json *args = attr(event, "args"); args && args->is_object()) {
            QStringList parts;
            for (const auto &[name, value] : args->items())
                parts << qs(name) + '=' + fieldValue(value);
            return parts.join(QStringLiteral(", "));
        }
        return call.isEmpty() ? qs(event.summary) : QString();
    }
    if (event.kind == EventKind::Process) {
        if (const nlohmann::json *argv = attr(event, "argv"); argv && argv->is_array())
            return shellQuoted(*argv);
        return attrQ(event, "exe");
    }
    if (event.kind == EventKind::Netlink) {
        QStringList parts;
        for (const char *key : {"ifname", "kind", "change", "master", "address", "prefix", "netns"})
            if (QString value = attrQ(event, key); !value.isEmpty())
                parts << QString::fromUtf8(key) + '=' + value;
        return parts.join(QStringLiteral(", "));
    }
    return qs(event.summary);
}

QString syscallResult(const Event &event)
{
    if (event.kind == EventKind::Syscall) {
        const QString line = attrQ(event, "line");
        if (qsizetype at = line.lastIndexOf(QStringLiteral(") = ")); at >= 0)
            return line.mid(at + 4);
        QString result = attrQ(event, "retval");
        if (QString error = attrQ(event, "errno"); !error.isEmpty())
            result += ' ' + error;
        return result;
    }
    if (event.kind == EventKind::Process) {
        if (attr(event, "signal"))
            return QStringLiteral("signal ") + attrQ(event, "signal");
        if (attr(event, "exit_code"))
            return QStringLiteral("exit ") + attrQ(event, "exit_code");
        if (attr(event, "child_pid"))
            return QStringLiteral("child ") + attrQ(event, "child_pid");
        return {};
    }
    if (event.kind == EventKind::Netlink)
        return attrQ(event, "operstate");
    return {};
}

bool syscallFailed(const Event &event)
{
    if (event.kind == EventKind::Syscall)
        return !attrText(event, "errno").empty() || attrInteger(event, "retval").value_or(0) < 0;
    if (event.kind == EventKind::Process)
        return attrInteger(event, "exit_code").value_or(0) != 0 || attr(event, "signal");
    return false;
}

std::vector<std::pair<QString, QString>> decodedFields(const Event &event)
{
    std::vector<std::pair<QString, QString>> fields;
    std::set<std::string> shown;
    auto add = [&](const QString &name, const QString &value) {
        if (!value.isEmpty())
            fields.emplace_back(name, value);
    };
    auto addAttr = [&](const std::string &key) {
        if (shown.count(key))
            return;
        shown.insert(key);
        if (const nlohmann::json *value = attr(event, key); value && !value->is_null())
            add(qs(key), fieldValue(*value));
    };

    if (event.kind == EventKind::Syscall) {
        addAttr("syscall");
        addAttr("category");
        if (const nlohmann::json *args = attr(event, "args"); args && args->is_object())
            for (const auto &[name, value] : args->items())
                add(QStringLiteral("arg ") + qs(name), fieldValue(value));
        shown.insert("args");
        add(QStringLiteral("result"), syscallResult(event));
        shown.insert("retval");
        shown.insert("errno");
    }
    for (const char *key : {"event", "flags", "namespaces", "argv", "exe", "comm", "ppid", "tid"})
        addAttr(key);
    add(QStringLiteral("component"), qs(event.source.component));
    add(QStringLiteral("node"), qs(event.source.node));
    if (event.source.pid != 0)
        add(QStringLiteral("pid"), QString::number(event.source.pid));
    if (event.attributes.is_object())
        for (const auto &[key, value] : event.attributes.items())
            if (key != "line")
                addAttr(key);
    addAttr("line");
    return fields;
}

// --- Objects --------------------------------------------------------------------------------

QString objectKind(const Event &event)
{
    if (event.kind == EventKind::Api)
        if (const nlohmann::json *body = attr(event, "body"))
            return qs(memberText(*body, "kind"));
    if (event.kind == EventKind::Store)
        return QStringLiteral("store key");
    QString kind = attrQ(event, "kind");
    return kind.isEmpty() ? qs(std::string(toString(event.kind))) : kind;
}

QString objectName(const Event &event)
{
    if (event.kind == EventKind::Api)
        if (const nlohmann::json *body = attr(event, "body"))
            if (const nlohmann::json *metadata = member(*body, "metadata")) {
                const QString ns = qs(memberText(*metadata, "namespace"));
                const QString name = qs(memberText(*metadata, "name"));
                return ns.isEmpty() ? name : ns + '/' + name;
            }
    for (const char *key : {"key", "object", "name", "pod"})
        if (QString value = attrQ(event, key); !value.isEmpty())
            return value;
    return qs(event.summary);
}

QString objectOperation(const Event &event)
{
    if (event.kind == EventKind::Api) {
        QString text = attrQ(event, "method");
        if (attr(event, "status"))
            text += QStringLiteral(" → ") + attrQ(event, "status");
        return text;
    }
    for (const char *key : {"op", "operation", "action", "decision"})
        if (QString value = attrQ(event, key); !value.isEmpty())
            return value;
    return {};
}

QString objectRevision(const Event &event)
{
    if (event.kind == EventKind::Api)
        if (const nlohmann::json *body = attr(event, "body"))
            if (const nlohmann::json *metadata = member(*body, "metadata"))
                return qs(memberText(*metadata, "resourceVersion"));
    for (const char *key : {"revision", "mod_revision", "rev"})
        if (QString value = attrQ(event, key); !value.isEmpty())
            return value;
    return {};
}

QString objectBody(const Event &event)
{
    for (const char *key : {"body", "object", "value"}) {
        const nlohmann::json *value = attr(event, key);
        if (!value || value->is_null())
            continue;
        if (value->is_string()) {
            // A store value is usually the object's JSON as bytes.
            nlohmann::json parsed =
                nlohmann::json::parse(value->get<std::string>(), nullptr, false);
            return parsed.is_discarded() ? qs(value->get<std::string>()) : prettyText(parsed);
        }
        return prettyText(*value);
    }
    return prettyText(event.attributes);
}

} // namespace flowlab::evidence
