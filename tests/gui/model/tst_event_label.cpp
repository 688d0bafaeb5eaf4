// The short labels written from captured events (EventLabel.h), one per kind. The events are
// FIXTURES: their attributes are copied from a docker-run recording (tst_lesson_docker_run),
// trimmed to what the label reads; nothing here was captured by this test.

#include "app/desktop/model/EventLabel.h"

#include <QTest>

using namespace flowlab;

Q_DECLARE_METATYPE(flowlab::Event)

namespace {

Event fixture(EventKind kind, std::string component, std::string summary, nlohmann::json attrs)
{
    Event event;
    event.seq = 1;
    event.kind = kind;
    event.source.component = std::move(component);
    event.summary = std::move(summary);
    event.attributes = std::move(attrs);
    return event;
}

const std::string kContainerId = "088d1193d6c9e8317c4d5b4eac16bdc344be4e891505dd6bc3fc9b727177c860";

} // namespace

class TestEventLabel : public QObject
{
    Q_OBJECT

private slots:
    void labelsWhatWasCaptured_data()
    {
        QTest::addColumn<Event>("event");
        QTest::addColumn<QString>("label");

        QTest::newRow("api request") << fixture(EventKind::Api, "dockerd", "HEAD /_ping",
                                                {{"direction", "request"},
                                                 {"method", "HEAD"},
                                                 {"endpoint", "/_ping"},
                                                 {"path", "/_ping"},
                                                 {"query", nlohmann::json::object()}})
                                     << "HEAD /_ping";
        QTest::newRow("api response")
            << fixture(EventKind::Api, "dockerd",
                       "POST /containers/create → 404 Not Found: No such image: nginx:latest",
                       {{"direction", "response"},
                        {"method", "POST"},
                        {"endpoint", "/containers/create"},
                        {"path", "/v1.41/containers/create"},
                        {"status", 404},
                        {"reason", "Not Found"}})
            << "POST /containers/create → 404 Not Found";
        QTest::newRow("api query and long id")
            << fixture(EventKind::Api, "dockerd", "POST /containers/…/start",
                       {{"direction", "request"},
                        {"method", "POST"},
                        {"endpoint", "/containers/" + kContainerId + "/start"},
                        {"query", {{"fromImage", "nginx"}}}})
            << "POST /containers/088d1193d6c9…/start?fromImage=nginx";
        QTest::newRow("packet HTTP request line")
            << fixture(EventKind::Packet, "network",
                       "TCP 192.168.56.10:48164 → 192.168.56.5:5000 [PSH,ACK] HEAD "
                       "/v2/library/nginx/manifests/latest HTTP/1.1",
                       {{"http", "HEAD /v2/library/nginx/manifests/latest HTTP/1.1"},
                        {"flags", "PSH,ACK"},
                        {"src", "192.168.56.10"},
                        {"dst", "192.168.56.5"},
                        {"dport", 5000}})
            << "HEAD /v2/library/nginx/manifests/latest";
        QTest::newRow("packet by digest")
            << fixture(
                   EventKind::Packet, "network", "",
                   {{"http", "GET /v2/library/nginx/manifests/sha256:4854cea23dd8ee512c43aedd2c4"
                             "161e10de059787aafff654c03be069139dffc HTTP/1.1"}})
            << "GET /v2/library/nginx/manifests/sha256:4854cea23dd8…";
        QTest::newRow("packet SYN") << fixture(EventKind::Packet, "network",
                                               "TCP 192.168.56.2:42308 → 192.168.56.10:8080 [SYN]",
                                               {{"flags", "SYN"},
                                                {"proto", "tcp"},
                                                {"src", "192.168.56.2"},
                                                {"sport", 42308},
                                                {"dst", "192.168.56.10"},
                                                {"dport", 8080}})
                                    << "SYN 192.168.56.2 → 192.168.56.10:8080";
        QTest::newRow("packet HTTP status")
            << fixture(EventKind::Packet, "network", "", {{"http", "HTTP/1.1 200 OK"}})
            << "HTTP/1.1 200 OK";
        QTest::newRow("syscall unshare")
            << fixture(EventKind::Syscall, "runc",
                       "runc: unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_"
                       "NEWNET) = 0",
                       {{"syscall", "unshare"},
                        {"line", "unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|"
                                 "CLONE_NEWNET) = 0"}})
            << "unshare(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET)";
        QTest::newRow("syscall overlay mount, paths cut")
            << fixture(EventKind::Syscall, "dockerd", "",
                       {{"syscall", "mount"},
                        {"line", "mount(\"overlay\", \"/var/lib/flowlab/docker/overlay2/3e9af45138"
                                 "43c82cf0feefc36b2b421de4347ead8a325e65a7fce96faaaaef07/merged\","
                                 " \"overlay\", 0, \"index=off,lowerdir=/var/lib/x\") = 0"}})
            << "mount(\"overlay\", \"…/merged\", \"overlay\", 0, …";
        QTest::newRow("syscall failure keeps its result")
            << fixture(EventKind::Syscall, "runc", "",
                       {{"syscall", "mkdir"}, {"line", "mkdir(\"/x\", 0755) = -1 EEXIST"}})
            << "mkdir(\"/x\", 0755) = -1 EEXIST";
        QTest::newRow("syscall without a decoded line")
            << fixture(EventKind::Syscall, "runc", "runc: sethostname(\"088d1193d6c9\") = 0", {})
            << "sethostname(\"088d1193d6c9\")";
        QTest::newRow("process exec")
            << fixture(EventKind::Process, "containerd-shim", "containerd-shim: exec …",
                       {{"event", "exec"},
                        {"argv",
                         {"/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id",
                          kContainerId}}})
            << "exec containerd-shim-runc-v2 -namespace moby -id …";
        QTest::newRow("grpc method")
            << fixture(EventKind::Grpc, "containerd",
                       "dockerd → containerd: /containerd.services.containers.v1.Containers/Create",
                       {{"service", "containerd.services.containers.v1.Containers"},
                        {"method", "Create"}})
            << "Containers/Create";
        QTest::newRow("grpc from the summary only")
            << fixture(EventKind::Grpc, "containerd",
                       "dockerd → containerd: /containerd.services.tasks.v1.Tasks/Create", {})
            << "Tasks/Create";
        QTest::newRow("command") << fixture(EventKind::Command, "docker-cli",
                                            "docker run -d -p 8080:80 nginx", {})
                                 << "docker run -d -p 8080:80 nginx";
        QTest::newRow("netlink") << fixture(EventKind::Netlink, "rtnetlink",
                                            "veth920d5f7 attached to docker0", {})
                                 << "veth920d5f7 attached to docker0";
        QTest::newRow("long summary cut")
            << fixture(EventKind::Log, "network", std::string(80, 'x'), {})
            << QString(55, 'x') + "…";
        QTest::newRow("long words cut at a word's end")
            << fixture(EventKind::Log, "network",
                       "conntrack flow 192.168.56.2:42308 → 192.168.56.10:8080 replied by "
                       "172.17.0.2:80",
                       {})
            << "conntrack flow 192.168.56.2:42308 → 192.168.56.10:8080 …";
    }

    void labelsWhatWasCaptured()
    {
        QFETCH(Event, event);
        QFETCH(QString, label);
        QCOMPARE(QString::fromStdString(eventLabel(event)), label);
    }

    void cutsCharactersNotBytes()
    {
        QCOMPARE(QString::fromStdString(cutText("a → b → c", 5)), QString("a → …"));
        QCOMPARE(QString::fromStdString(cutText("a → b", 5)), QString("a → b"));
        QCOMPARE(QString::fromStdString(cutText("abc", 0)), QString());
    }
};

QTEST_APPLESS_MAIN(TestEventLabel)
#include "tst_event_label.moc"
