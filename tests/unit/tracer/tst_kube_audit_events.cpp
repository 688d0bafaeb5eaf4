// The apiserver's audit log as evidence: stages become audit events with their salient fields,
// the store write a store event, and a file another process appends to is followed line by
// line, including a line written in two parts.

#include "tracer/taps/JsonLinesFollower.h"
#include "tracer/taps/KubeAuditEvents.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace flowlab;

namespace {

nlohmann::json auditLine(const std::string &stage, nlohmann::json annotations)
{
    return {{"kind", "Event"},
            {"apiVersion", "audit.k8s.io/v1"},
            {"auditID", "a1"},
            {"stage", stage},
            {"verb", "create"},
            {"requestURI", "/apis/apps/v1/namespaces/default/deployments"},
            {"user", {{"username", "flowlab-admin"}}},
            {"objectRef",
             {{"resource", "deployments"},
              {"namespace", "default"},
              {"name", "web"},
              {"apiGroup", "apps"}}},
            {"stageTimestamp", "2026-12-02T03:04:05.123456Z"},
            {"annotations", annotations}};
}

} // namespace

class TestKubeAuditEvents : public QObject
{
    Q_OBJECT

private slots:
    void stagesBecomeEvidence()
    {
        const EventSource source{"kube-apiserver", "flowlab-cp", 0, "flowlab-cp"};
        auto authz = eventFromAuditLine(
            auditLine("Authorization", {{"authorization.k8s.io/decision", "allow"},
                                        {"authorization.k8s.io/reason",
                                         "RBAC: allowed by ClusterRoleBinding \"cluster-admin\""}}),
            source);
        QVERIFY(authz);
        QVERIFY(authz->kind == EventKind::Audit);
        QCOMPARE(authz->attributes["decision"].get<std::string>(), std::string("allow"));
        QCOMPARE(authz->attributes["name"].get<std::string>(), std::string("web"));
        QVERIFY(
            authz->summary.starts_with("authorization of create deployments default/web: allow"));

        auto storage = eventFromAuditLine(
            auditLine("Storage", {{"flowlab.dev/store-key", "/registry/deployments/default/web"},
                                  {"flowlab.dev/store-operation", "create"},
                                  {"flowlab.dev/store-revision", "42"},
                                  {"flowlab.dev/store", "sqlite /x"}}),
            source);
        QVERIFY(storage);
        QVERIFY(storage->kind == EventKind::Store);
        QCOMPARE(
            storage->summary,
            std::string("store create /registry/deployments/default/web (revision 42, sqlite /x)"));
        QCOMPARE(storage->source.component, std::string("kube-apiserver"));
        QVERIFY(storage->monotonicNs != 0);

        QVERIFY(!eventFromAuditLine({{"kind", "Pod"}}, source));
    }

    void followsAFileAsItGrows()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("audit.jsonl").toStdString();
        std::vector<nlohmann::json> seen;
        JsonLinesFollower follower(path,
                                   [&](nlohmann::json &&line) { seen.push_back(std::move(line)); });
        follower.poll(); // no file yet: nothing, no error
        std::ofstream out(path);
        out << "{\"n\":1}\n{\"n\":" << std::flush;
        follower.poll();
        QCOMPARE(seen.size(), std::size_t(1));
        out << "2}\nnot json\n" << std::flush;
        follower.poll();
        QCOMPARE(seen.size(), std::size_t(2));
        QCOMPARE(seen[1]["n"].get<int>(), 2);
        QCOMPARE(follower.badLines(), std::uint64_t(1));
        // Replaced by a new file: read from its start.
        out.close();
        std::remove(path.c_str());
        std::ofstream(path) << "{\"n\":3}\n";
        follower.poll();
        QCOMPARE(seen.back()["n"].get<int>(), 3);
    }
};

QTEST_GUILESS_MAIN(TestKubeAuditEvents)
#include "tst_kube_audit_events.moc"
