#pragma once

// How the inspector writes evidence as text: HTTP and gRPC exchanges as a learner would read
// them on the wire, packets as Wireshark lists them, syscalls as strace prints them, and
// every attribute of an event as decoded fields. Kept apart from the widgets and models so
// that each reads the same way wherever it is shown.

#include "app/desktop/inspector/EvidenceIndex.h"

#include <QString>
#include <optional>
#include <utility>
#include <vector>

namespace flowlab::evidence {

inline QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

// Pretty-printed JSON, cut (and saying so) beyond `limit` characters so that a huge body
// cannot stall a step switch; the Raw tab has the whole event.
QString prettyText(const nlohmann::json &value, qsizetype limit = 200 * 1024);
// The event as the trace stores it.
QString eventJson(const Event &event);
// Seconds since `originNs`, as Wireshark's Time column ("1.402881").
QString relativeSeconds(std::int64_t ns, std::int64_t originNs);

// API tab.
QString exchangeMethod(const Exchange &exchange);
QString exchangePath(const Exchange &exchange);
QString exchangeStatus(const Exchange &exchange);
bool exchangeFailed(const Exchange &exchange);
std::optional<double> exchangeDurationMs(const Exchange &exchange);
QString requestTitle(const Exchange &exchange);
QString responseTitle(const Exchange &exchange);
QString requestText(const Exchange &exchange);
QString responseText(const Exchange &exchange);

// Packets tab.
QString packetNumber(const Event &packet);
QString packetEndpoint(const Event &packet, bool source);
QString packetProtocol(const Event &packet);
QString packetInfo(const Event &packet);
QString packetInterface(const Event &packet);

// Syscalls tab (also process and netlink events).
QString processName(const Event &event);
QString syscallCall(const Event &event);
QString syscallArguments(const Event &event);
QString syscallResult(const Event &event);
bool syscallFailed(const Event &event);

// Every attribute of an event as (field, value), the telling ones first.
std::vector<std::pair<QString, QString>> decodedFields(const Event &event);

// Objects tab.
QString objectKind(const Event &event);
QString objectName(const Event &event);
QString objectOperation(const Event &event);
QString objectRevision(const Event &event);
QString objectBody(const Event &event);

} // namespace flowlab::evidence
