// The catalogue of attributes per event kind (tracer/model/EventAttributes.h), which lesson lint
// trusts: the events the tracer makes carry only catalogued attributes, of the catalogued shape,
// and tracer/bundle/SCHEMA.md names every one of them.

#include "tracer/capture/PacketDecoder.h"
#include "tracer/capture/PcapngReader.h"
#include "tracer/kernel/ConntrackFlow.h"
#include "tracer/kernel/RuleSnapshot.h"
#include "tracer/model/EventAttributes.h"
#include "tracer/syscalls/TraceEvents.h"
#include "tracer/taps/KubeAuditEvents.h"

#include <QTest>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

using namespace flowlab;

namespace {

nlohmann::json auditLine(const std::string &stage, nlohmann::json annotations)
{
    return {{"kind", "Event"},
            {"apiVersion", "audit.k8s.io/v1"},
            {"auditID", "a1"},
            {"stage", stage},
            {"verb", "create"},
            {"requestURI", "/api/v1/namespaces/default/pods/web/binding"},
            {"user", {{"username", "flowlab-admin"}}},
            {"objectRef",
             {{"resource", "pods"},
              {"namespace", "default"},
              {"name", "web"},
              {"subresource", "binding"},
              {"apiGroup", ""}}},
            {"responseStatus", {{"code", 201}, {"message", "created"}}},
            {"stageTimestamp", "2026-12-02T03:04:05.123456Z"},
            {"annotations", annotations}};
}

std::vector<Event> tracerEvents()
{
    std::vector<Event> events;
    const EventSource apiserver{"kube-apiserver", "flowlab-cp", 0, "flowlab-cp"};
    for (const auto &[stage, annotations] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"RequestReceived", nlohmann::json::object()},
             {"Authentication", {{"flowlab.dev/authentication", "x509"}}},
             {"Authorization",
              {{"authorization.k8s.io/decision", "allow"}, {"authorization.k8s.io/reason", "r"}}},
             {"MutatingAdmission",
              {{"flowlab.dev/admission-plugins", "p"}, {"flowlab.dev/admission-mutations", "m"}}},
             {"ValidatingAdmission", {{"flowlab.dev/validation", "ok"}}},
             {"Storage",
              {{"flowlab.dev/store-key", "/registry/pods/default/web"},
               {"flowlab.dev/store-operation", "update"},
               {"flowlab.dev/store-revision", "42"},
               {"flowlab.dev/store", "sqlite"}}},
             {"ResponseComplete", nlohmann::json::object()}})
        if (auto event = eventFromAuditLine(auditLine(stage, annotations), apiserver))
            events.push_back(std::move(*event));

    ConntrackFlowEvent flow;
    flow.orig = {"tcp", "192.168.56.2", "192.168.56.10", 41234, 8080};
    flow.reply = {"tcp", "172.17.0.2", "192.168.56.2", 80, 41234};
    flow.state = "SYN_SENT";
    flow.netns = "flowlab-docker";
    events.push_back(conntrackEvent(flow));

    RuleChange hit;
    hit.kind = RuleChangeKind::RuleHit;
    hit.table = "nat";
    hit.chain = "DOCKER";
    hit.rule = "-A DOCKER -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80";
    hit.position = 1;
    events.push_back(ruleChangeEvent(hit, "flowlab-docker"));
    RuleChange policy;
    policy.kind = RuleChangeKind::PolicyChanged;
    policy.table = "filter";
    policy.chain = "FORWARD";
    policy.oldPolicy = "ACCEPT";
    policy.newPolicy = "DROP";
    events.push_back(ruleChangeEvent(policy, "flowlab-docker"));

    const TraceeIdentity runc{"runc", "flowlab-docker", "/usr/bin/runc", "runc", 40, 41, 1};
    events.push_back(makeForkEvent(runc, "clone", 42, false));
    events.push_back(makeExecEvent(runc, {"runc", "init"}, "containerd-shim", 43));
    events.push_back(makeExitEvent(runc, 0));
    events.push_back(makeExitEvent(runc, SIGKILL));
    DecodedSyscall unshare;
    unshare.name = "unshare";
    unshare.args = {{"flags", "CLONE_NEWNS|CLONE_NEWPID"}};
    unshare.attributes = {{"category", "namespaces"},
                          {"flags", {"CLONE_NEWNS", "CLONE_NEWPID"}},
                          {"namespaces", {"mnt", "pid"}}};
    unshare.retval = -1;
    unshare.errnum = EPERM;
    events.push_back(makeSyscallEvent(runc, unshare));

    // Real traffic: the decoder's attributes of every packet of the checked-in captures.
    for (const char *fixture : {"/lab_session.pcapng", "/any_sll2.pcapng"}) {
        auto capture = readPcapngFile(std::string(CAPTURE_FIXTURES) + fixture);
        if (!capture)
            qFatal("%s", capture.error().message().c_str());
        for (const PcapngPacket &packet : capture->packets) {
            Event event;
            event.kind = EventKind::Packet;
            const LinkType link = capture->interfaces.at(packet.interfaceId).linkType;
            event.attributes = decodePacket(link, packet.data).attributes();
            events.push_back(std::move(event));
        }
    }
    return events;
}

// The table row of `kind` in SCHEMA.md's events table: "| `kind` | from | attrs |".
std::string schemaRow(const std::string &schema, EventKind kind)
{
    const std::string start = "\n| `" + std::string(toString(kind)) + "` |";
    const auto at = schema.find(start);
    if (at == std::string::npos)
        return {};
    return schema.substr(at + 1, schema.find('\n', at + 1) - at - 1);
}

} // namespace

class TestEventAttributes : public QObject
{
    Q_OBJECT

private slots:
    void tracerEventsCarryOnlyCataloguedAttributes()
    {
        const std::vector<Event> events = tracerEvents();
        QVERIFY(events.size() > 20);
        for (const Event &event : events) {
            const std::string problems = uncataloguedAttributes(event);
            QVERIFY2(problems.empty(), problems.c_str());
        }
    }

    // The check itself must be able to fail.
    void anUncataloguedAttributeIsCaught()
    {
        Event event;
        event.kind = EventKind::Packet;
        event.attributes = {{"dport", "8080"}, {"qname", "web"}};
        QCOMPARE(QString::fromStdString(uncataloguedAttributes(event)),
                 QStringLiteral("packet event \"dport\" is a string, catalogued as a number; "
                                "\"qname\" is not catalogued;"));
    }

    void schemaNamesEveryAttribute()
    {
        std::ifstream in(FLOWLAB_SOURCE_DIR "/tracer/bundle/SCHEMA.md");
        QVERIFY(in);
        std::stringstream text;
        text << in.rdbuf();
        const std::string schema = text.str();
        for (int k = int(EventKind::Command); k <= int(EventKind::Log); ++k) {
            const EventKind kind = EventKind(k);
            const std::string row = schemaRow(schema, kind);
            QVERIFY2(!row.empty(), (std::string(toString(kind)) + ": no row in SCHEMA.md").c_str());
            for (const EventAttribute &attribute : eventAttributes(kind))
                QVERIFY2(row.find("`" + std::string(attribute.name) + "`") != std::string::npos,
                         (std::string(toString(kind)) + ": SCHEMA.md does not name `" +
                          std::string(attribute.name) + "`")
                             .c_str());
        }
    }

    void onlyLogIsOpen()
    {
        for (int k = int(EventKind::Command); k <= int(EventKind::Log); ++k)
            QCOMPARE(eventAttributesAreOpen(EventKind(k)), EventKind(k) == EventKind::Log);
    }
};

QTEST_GUILESS_MAIN(TestEventAttributes)
#include "tst_event_attributes.moc"
