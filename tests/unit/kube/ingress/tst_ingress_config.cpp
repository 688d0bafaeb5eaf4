// The Ingress route table and the nginx configuration made from it, without a process:
// networking.k8s.io/v1's matching rules (host, Exact and element-wise Prefix paths, the
// longest first, the first Ingress winning a tie, named ports), and a configuration that the
// real nginx accepts (`nginx -t`).

#include "engine/kube/ingress/IngressRoutes.h"
#include "engine/kube/ingress/NginxConfig.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace flowlab::kube::ingress;

namespace {

Json ingress(const std::string &ns, const std::string &name, Json rules,
             Json extraSpec = Json::object())
{
    Json spec = {{"rules", std::move(rules)}};
    spec.update(extraSpec);
    return {{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "Ingress"},
            {"metadata", {{"namespace", ns}, {"name", name}}},
            {"spec", spec}};
}

Json rule(const std::string &host, Json paths)
{
    Json r = {{"http", {{"paths", std::move(paths)}}}};
    if (!host.empty())
        r["host"] = host;
    return r;
}

Json path(const std::string &p, const std::string &type, const std::string &service, Json port)
{
    return {{"path", p},
            {"pathType", type},
            {"backend", {{"service", {{"name", service}, {"port", std::move(port)}}}}}};
}

Json service(const std::string &ns, const std::string &name, Json ports)
{
    return {{"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", {{"ports", ports}}}};
}

} // namespace

class TestIngressConfig : public QObject
{
    Q_OBJECT

private slots:
    void seed004sIngressIsOneRoute()
    {
        const auto routes = routesOf(
            {ingress("default", "app-ingress",
                     {rule("app2.com", {path("/", "Prefix", "app2-service", {{"number", 80}})})})},
            {}, "flowlab");
        QCOMPARE(routes.size(), std::size_t(1));
        QCOMPARE(routes[0].host, std::string("app2.com"));
        QCOMPARE(routes[0].path, std::string("/"));
        QCOMPARE(routes[0].servicePort, 80);
        QCOMPARE(routes[0].serviceHost(), std::string("app2-service.default.svc.cluster.local"));
        QCOMPARE(routes[0].ingress, std::string("default/app-ingress"));
        QVERIFY(routes[0].unresolved.empty());
    }

    void namedPortsAreLookedUpInTheService()
    {
        const Json ing = ingress(
            "shop", "web",
            {rule("shop.example", {path("/", "Prefix", "front", {{"name", "http"}}),
                                   path("/api", "Prefix", "api", {{"name", "grpc"}}),
                                   path("/gone", "Prefix", "nowhere", {{"name", "http"}})})});
        const auto routes =
            routesOf({ing},
                     {service("shop", "front", {{{"name", "http"}, {"port", 8080}}}),
                      service("shop", "api", {{{"name", "http"}, {"port", 80}}})},
                     "flowlab");
        QCOMPARE(routes.size(), std::size_t(3));
        auto find = [&](const std::string &p) {
            return *std::find_if(routes.begin(), routes.end(),
                                 [&](const IngressRoute &r) { return r.path == p; });
        };
        QCOMPARE(find("/").servicePort, 8080);
        QVERIFY(find("/api").unresolved.find("no port named \"grpc\"") != std::string::npos);
        QVERIFY(find("/gone").unresolved.find("shop/nowhere does not exist") != std::string::npos);
    }

    void longestPathFirstExactBeforePrefix()
    {
        const auto routes = routesOf(
            {ingress("default", "a",
                     {rule("h.example", {path("/", "Prefix", "root", {{"number", 80}}),
                                         path("/api/v1/", "Prefix", "v1", {{"number", 80}}),
                                         path("/api", "Exact", "exact", {{"number", 80}}),
                                         path("/api", "Prefix", "api", {{"number", 80}})})})},
            {}, "flowlab");
        QCOMPARE(routes.size(), std::size_t(4));
        QCOMPARE(routes[0].serviceName, std::string("exact"));
        QCOMPARE(routes[1].path, std::string("/api/v1")); // the trailing slash is dropped
        QCOMPARE(routes[2].serviceName, std::string("api"));
        QCOMPARE(routes[3].serviceName, std::string("root"));
    }

    void theFirstIngressWinsATieAndOtherClassesAreLeftAlone()
    {
        const Json first = ingress(
            "default", "a", {rule("h.example", {path("/", "Prefix", "one", {{"number", 80}})})});
        const Json second = ingress(
            "default", "b", {rule("h.example", {path("/", "Prefix", "two", {{"number", 80}})})});
        Json other = ingress("default", "c",
                             {rule("c.example", {path("/", "Prefix", "three", {{"number", 80}})})},
                             {{"ingressClassName", "nginx"}});
        const auto routes = routesOf({second, other, first}, {}, "flowlab");
        QCOMPARE(routes.size(), std::size_t(1));
        QCOMPARE(routes[0].serviceName, std::string("one"));
    }

    void aRuleWithoutHostAndTheDefaultBackendGoToTheDefaultServer()
    {
        const auto routes = routesOf(
            {ingress("default", "d",
                     {rule("", {path("/docs", "Prefix", "docs", {{"number", 80}})})},
                     {{"defaultBackend",
                       {{"service", {{"name", "fallback"}, {"port", {{"number", 8080}}}}}}}})},
            {}, "flowlab");
        QCOMPARE(routes.size(), std::size_t(2));
        for (const auto &route : routes)
            QVERIFY(route.host.empty());
        QCOMPARE(routes[0].path, std::string("/docs"));
        QCOMPARE(routes[1].serviceName, std::string("fallback"));
    }

    void prefixMatchesElementByElementInNginx()
    {
        NginxSettings settings;
        settings.stateDir = "/tmp/x";
        const auto routes = routesOf(
            {ingress("default", "a",
                     {rule("h.example", {path("/foo", "Prefix", "foo", {{"number", 80}})})})},
            {}, "flowlab");
        const RenderedConfig rendered = renderNginxConfig(routes, settings);
        // /foo and /foo/..., never /foobar; and a 404 for what no rule covers.
        QVERIFY(rendered.text.find("location = /foo {") != std::string::npos);
        QVERIFY(rendered.text.find("location /foo/ {") != std::string::npos);
        QVERIFY(rendered.text.find("location /foo {") == std::string::npos);
        QVERIFY(rendered.text.find("no Ingress rule matches") != std::string::npos);
        // The Service is reached by its DNS name, resolved per request.
        QVERIFY(rendered.text.find("set $flowlab_upstream \"foo.default.svc.cluster.local\"") !=
                std::string::npos);
        QVERIFY(rendered.text.find("resolver 10.43.0.10 valid=5s") != std::string::npos);
        QCOMPARE(rendered.servers, 2); // h.example and the default server
        QCOMPARE(rendered.locations, 2);
    }

    void unsafePathsAreLeftOutAndSaid()
    {
        NginxSettings settings;
        settings.stateDir = "/tmp/x";
        const auto routes = routesOf(
            {ingress("default", "evil",
                     {rule("h.example", {path("/a;b {", "Prefix", "x", {{"number", 80}})})})},
            {}, "flowlab");
        const RenderedConfig rendered = renderNginxConfig(routes, settings);
        QCOMPARE(rendered.skipped.size(), std::size_t(1));
        QVERIFY(rendered.skipped[0].find("default/evil") != std::string::npos);
        QVERIFY(rendered.text.find("a;b") == std::string::npos);
    }

    void realNginxAcceptsTheConfiguration()
    {
        const QString nginx = QStandardPaths::findExecutable("nginx", {"/usr/sbin", "/usr/bin"});
        if (nginx.isEmpty())
            QFAIL("nginx is not installed (.ci/install-deps installs it)");
        QTemporaryDir dir;
        NginxSettings settings;
        settings.stateDir = dir.path().toStdString();
        settings.listenAddress = "127.0.0.1";
        settings.port = 18080;
        settings.resolver = "127.0.0.1:5353";
        QVERIFY(QDir().mkpath(dir.filePath("tmp")));
        const auto routes = routesOf(
            {ingress("default", "a",
                     {rule("app2.com", {path("/", "Prefix", "app2-service", {{"number", 80}}),
                                        path("/api", "Exact", "api", {{"number", 8080}}),
                                        path("/api", "Prefix", "api", {{"number", 8080}}),
                                        path("/gone", "Prefix", "gone", {{"name", "http"}})}),
                      rule("*.wild.example", {path("/", "Prefix", "w", {{"number", 80}})})})},
            {}, "flowlab");
        const RenderedConfig rendered = renderNginxConfig(routes, settings);
        std::ofstream(settings.configPath()) << rendered.text;
        QProcess check;
        check.setProcessChannelMode(QProcess::MergedChannels);
        check.start(nginx, {"-t", "-c", QString::fromStdString(settings.configPath())});
        QVERIFY(check.waitForFinished(15000));
        QVERIFY2(check.exitCode() == 0,
                 qPrintable(check.readAll() + "\n" + QString::fromStdString(rendered.text)));
    }
};

QTEST_MAIN(TestIngressConfig)
#include "tst_ingress_config.moc"
