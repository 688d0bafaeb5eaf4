// Probes (ContainerProbes.h) without a cluster: HTTP GET and TCP against loopback servers the
// test runs, and the thresholds that turn single results into ready / not ready.

#include "engine/kube/cri/FakeContainerRuntime.h"
#include "engine/kube/kubelet/ContainerProbes.h"

#include <QTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::kubelet;

namespace {

// A loopback server that answers one connection with `answer`, then closes.
struct OneShotServer
{
    int fd = -1;
    int port = 0;
    std::thread thread;

    explicit OneShotServer(std::string answer)
    {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
        port = ntohs(address.sin_port);
        ::listen(fd, 1);
        thread = std::thread([this, answer] {
            const int client = ::accept(fd, nullptr, nullptr);
            char buffer[1024];
            (void)!::recv(client, buffer, sizeof buffer, 0);
            (void)!::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
            ::close(client);
        });
    }
    ~OneShotServer()
    {
        thread.join();
        ::close(fd);
    }
};

int closedPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
    ::close(fd); // bound, never listened: connections are refused
    return ntohs(address.sin_port);
}

} // namespace

class TestKubeletProbes : public QObject
{
    Q_OBJECT

    cri::FakeContainerRuntime m_runtime;

private slots:
    void httpGetSucceedsOn2xxAnd3xx()
    {
        OneShotServer ok("HTTP/1.1 204 No Content\r\n\r\n");
        const Json probe = {{"httpGet", {{"path", "/healthz"}, {"port", ok.port}}}};
        const ProbeResult result = runProbe(probe, Json::object(), "127.0.0.1", "c1", m_runtime);
        QVERIFY2(result.success, result.message.c_str());
    }

    void httpGetFailsWithTheStatus()
    {
        OneShotServer broken("HTTP/1.1 500 Internal Server Error\r\n\r\n");
        // A named port, from the container's ports.
        const Json container = {{"ports", {{{"name", "web"}, {"containerPort", broken.port}}}}};
        const Json probe = {{"httpGet", {{"path", "/"}, {"port", "web"}}}};
        const ProbeResult result = runProbe(probe, container, "127.0.0.1", "c1", m_runtime);
        QVERIFY(!result.success);
        QCOMPARE(result.message, std::string("HTTP probe failed with statuscode: 500"));
    }

    void tcpSocketFailsWhenNothingListens()
    {
        const Json probe = {{"tcpSocket", {{"port", closedPort()}}}};
        const ProbeResult result = runProbe(probe, Json::object(), "127.0.0.1", "c1", m_runtime);
        QVERIFY(!result.success);
        QVERIFY2(result.message.find("connection refused") != std::string::npos ||
                     result.message.find("Connection refused") != std::string::npos,
                 result.message.c_str());
    }

    void thresholdsSettleTheResult()
    {
        ProbeTracker tracker;
        const Json probe = {{"failureThreshold", 2}, {"successThreshold", 2}};
        // Readiness starts not ready; two successes make it ready.
        QVERIFY(!tracker.record("r", true, probe, false));
        QVERIFY(tracker.record("r", true, probe, false));
        // One failure is not enough to flip it; two are.
        QVERIFY(tracker.record("r", false, probe, false));
        QVERIFY(!tracker.record("r", false, probe, false));
        // Liveness starts alive.
        QVERIFY(tracker.record("l", false, {{"failureThreshold", 3}}, true));
        tracker.forget("l");
        QVERIFY(tracker.record("l", false, {{"failureThreshold", 1}}, true) == false);
    }

    void periodAndDelayDefaults()
    {
        QCOMPARE(probePeriod(Json::object()), std::chrono::seconds(10));
        QCOMPARE(probeInitialDelay({{"initialDelaySeconds", 5}}), std::chrono::seconds(5));
    }
};

QTEST_MAIN(TestKubeletProbes)
#include "tst_kubelet_probes.moc"
