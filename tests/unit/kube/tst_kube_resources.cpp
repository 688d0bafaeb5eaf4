// The resource registry and the apiserver's reading of request paths: what discovery lists,
// where objects are stored, and which resource, namespace, name and verb a path means.

#include "engine/kube/api/Resources.h"
#include "engine/kube/apiserver/Discovery.h"
#include "engine/kube/apiserver/RequestInfo.h"

#include <QTest>

using namespace flowlab::kube;

class TestKubeResources : public QObject
{
    Q_OBJECT

private slots:
    void registryDescribesTheServedResources()
    {
        const auto &registry = ResourceRegistry::builtin();
        const ResourceInfo *deployments = registry.find("apps", "v1", "deployments");
        QVERIFY(deployments);
        QCOMPARE(deployments->kind, std::string("Deployment"));
        QCOMPARE(deployments->shortNames, std::vector<std::string>{"deploy"});
        QCOMPARE(deployments->qualifiedResource(), std::string("deployments.apps"));
        QCOMPARE(deployments->storeKey("default", "web"),
                 std::string("/registry/deployments/default/web"));
        QCOMPARE(deployments->storePrefix(), std::string("/registry/deployments/"));
        QVERIFY(deployments->subresource("scale") &&
                deployments->subresource("scale")->kind == "Scale");
        QVERIFY(deployments->hasGeneration);
        const ResourceInfo *nodes = registry.findKind("v1", "Node");
        QVERIFY(nodes && !nodes->namespaced);
        QCOMPARE(nodes->storeKey("", "node1"), std::string("/registry/nodes/node1"));
        const ResourceInfo *review =
            registry.find("authorization.k8s.io", "v1", "selfsubjectaccessreviews");
        QVERIFY(review && !review->stored());
        QCOMPARE(registry.groupVersions().front().apiVersion(), std::string("v1"));
        QVERIFY(!registry.find("apps", "v1", "pods"));
    }

    void discoveryListsSubresourcesAndScaleKinds()
    {
        const Json apps = apiResourceList({"apps", "v1"});
        bool scale = false;
        for (const Json &entry : apps["resources"])
            if (entry["name"] == "deployments/scale")
                scale = entry["group"] == "autoscaling" && entry["kind"] == "Scale";
        QVERIFY(scale);
        const Json aggregated = aggregatedDiscovery(false, "v2");
        QCOMPARE(aggregated["apiVersion"].get<std::string>(),
                 std::string("apidiscovery.k8s.io/v2"));
        QVERIFY(!aggregated["items"].empty());
        // The protobuf OpenAPI v2 document kubectl 1.20 validates against: swagger "2.0" first.
        const std::string v2 = openApiV2Protobuf();
        QCOMPARE(v2.substr(0, 5), std::string("\x0a\x03"
                                              "2.0",
                                              5));
    }

    void requestPaths_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("expected"); // verb group resource ns name subresource
        QTest::newRow("list") << "GET"
                              << "/api/v1/namespaces/default/pods"
                              << ""
                              << "list  pods default  ";
        QTest::newRow("watch") << "GET"
                               << "/api/v1/pods"
                               << "watch"
                               << "watch  pods   ";
        QTest::newRow("legacy watch") << "GET"
                                      << "/apis/apps/v1/watch/namespaces/a/deployments/web"
                                      << ""
                                      << "watch apps deployments a web ";
        QTest::newRow("scale") << "PATCH"
                               << "/apis/apps/v1/namespaces/a/deployments/web/scale"
                               << ""
                               << "patch apps deployments a web scale";
        QTest::newRow("namespace itself") << "DELETE"
                                          << "/api/v1/namespaces/web"
                                          << ""
                                          << "delete  namespaces  web ";
        QTest::newRow("namespace finalize") << "PUT"
                                            << "/api/v1/namespaces/web/finalize"
                                            << ""
                                            << "update  namespaces  web finalize";
        QTest::newRow("collection delete") << "DELETE"
                                           << "/api/v1/namespaces/a/pods"
                                           << ""
                                           << "deletecollection  pods a  ";
        QTest::newRow("binding") << "POST"
                                 << "/api/v1/namespaces/a/pods/p/binding"
                                 << ""
                                 << "create  pods a p binding";
    }
    void requestPaths()
    {
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(QString, query);
        QFETCH(QString, expected);
        std::multimap<std::string, std::string> params;
        if (!query.isEmpty())
            params.emplace("watch", "1");
        const RequestInfo info = parseRequestInfo(method.toStdString(), path.toStdString(), params);
        QVERIFY(info.isResourceRequest);
        const QString got =
            QString::fromStdString(info.verb + " " + info.group + " " + info.resource + " " +
                                   info.ns + " " + info.name + " " + info.subresource);
        QCOMPARE(got, expected);
    }

    void discoveryPathsAreNotResources()
    {
        for (const char *path :
             {"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version"})
            QVERIFY2(!parseRequestInfo("GET", path, {}).isResourceRequest, path);
    }
};

QTEST_GUILESS_MAIN(TestKubeResources)
#include "tst_kube_resources.moc"
