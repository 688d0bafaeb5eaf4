// What the relay records of kubectl's traffic, fed bytes as a connection would carry them:
// requests and responses paired, Kubernetes' meaning of each, watch events one by one, and
// never a token.

#include "engine/kube/relay/ApiExchangeRecorder.h"

#include <QTest>

using namespace flowlab;
using namespace flowlab::kube;

namespace {

std::vector<Event> apiEvents(const EventLog &log)
{
    std::vector<Event> out;
    for (auto &event : log.snapshot())
        if (event.kind == EventKind::Api)
            out.push_back(event);
    return out;
}

std::string chunk(const std::string &data)
{
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

} // namespace

class TestKubeRelayRecorder : public QObject
{
    Q_OBJECT

private slots:
    void pairsACreateWithItsAnswer()
    {
        EventLog log;
        ApiExchangeRecorder recorder(log, 7, {"kube-apiserver", "flowlab-cp", 0, "flowlab-cp"});
        const std::string body =
            R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}})";
        // Split in awkward places, as TCP may deliver it.
        const std::string request =
            "POST /apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create "
            "HTTP/1.1\r\n"
            "Host: 127.0.0.1:6443\r\nAuthorization: Bearer s3cret\r\nUser-Agent: kubectl/v1.32\r\n"
            "Content-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        recorder.clientBytes(request.substr(0, 40));
        recorder.clientBytes(request.substr(40));
        const std::string answer =
            R"({"kind":"Deployment","metadata":{"name":"web","resourceVersion":"42"}})";
        recorder.serverBytes(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(answer.size()) + "\r\n\r\n" + answer);
        const auto events = apiEvents(log);
        QCOMPARE(events.size(), std::size_t(2));
        const Event &sent = events[0];
        QCOMPARE(sent.summary,
                 std::string(
                     "create deployments in default: POST "
                     "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create"));
        QCOMPARE(sent.attributes["verb"].get<std::string>(), std::string("create"));
        QCOMPARE(sent.attributes["resource"].get<std::string>(), std::string("deployments"));
        QCOMPARE(sent.attributes["namespace"].get<std::string>(), std::string("default"));
        QCOMPARE(sent.attributes["body"]["metadata"]["name"].get<std::string>(),
                 std::string("web"));
        QCOMPARE(sent.attributes["headers"]["Authorization"].get<std::string>(),
                 std::string("<redacted>"));
        QVERIFY(sent.attributes.dump().find("s3cret") == std::string::npos);
        const Event &got = events[1];
        QCOMPARE(got.attributes["status"].get<int>(), 201);
        QCOMPARE(got.attributes["body"]["metadata"]["resourceVersion"].get<std::string>(),
                 std::string("42"));
        QCOMPARE(got.links, std::vector<std::uint64_t>{sent.seq});
        QVERIFY(got.summary.ends_with("→ 201 Created"));
    }

    void recordsEachChangeAWatchStreams()
    {
        EventLog log;
        ApiExchangeRecorder recorder(log, 1, {"kube-apiserver", "flowlab-cp", 0, "flowlab-cp"});
        recorder.clientBytes(
            "GET /apis/apps/v1/namespaces/default/deployments?watch=1&resourceVersion=5 "
            "HTTP/1.1\r\n"
            "Host: x\r\n\r\n");
        std::string stream = "HTTP/1.1 200 OK\r\nContent-Type: "
                             "application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        stream += chunk(
            R"({"type":"MODIFIED","object":{"kind":"Deployment","metadata":{"namespace":"default","name":"web","resourceVersion":"6"}}})"
            "\n");
        stream += chunk(
            R"({"type":"DELETED","object":{"kind":"Deployment","metadata":{"namespace":"default","name":"web","resourceVersion":"7"}}})"
            "\n");
        recorder.serverBytes(stream);
        recorder.closed("kubectl closed the connection");
        const auto events = apiEvents(log);
        QCOMPARE(events.size(), std::size_t(5)); // request, head, two changes, the end
        QCOMPARE(events[0].attributes["verb"].get<std::string>(), std::string("watch"));
        QCOMPARE(events[1].attributes["phase"].get<std::string>(), std::string("head"));
        QCOMPARE(events[2].summary, std::string("watch deployments: MODIFIED default/web"));
        QCOMPARE(events[3].attributes["watchEvent"]["type"].get<std::string>(),
                 std::string("DELETED"));
        QCOMPARE(events[4].attributes["endReason"].get<std::string>(),
                 std::string("kubectl closed the connection"));
    }

    void garbageIsForwardedNotRecorded()
    {
        EventLog log;
        ApiExchangeRecorder recorder(log, 1, {});
        recorder.clientBytes(std::string("\x16\x03\x01\x00\xa5 not http", 15));
        recorder.closed("gone");
        QCOMPARE(apiEvents(log).size(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestKubeRelayRecorder)
#include "tst_kube_relay_recorder.moc"
