// A pod's volumes on the node (PodVolumes.h), without a runtime: ConfigMap and Secret keys
// as files (items, base64), emptyDir and hostPath directories, the CRI mounts of each
// container (readOnly, subPath), and the errors a real node reports: a missing ConfigMap,
// a mount of a volume the pod does not have, a path that would leave the volume.

#include "engine/kube/kubelet/PodVolumes.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::kubelet;

namespace {

Json pod(Json volumes)
{
    return {{"metadata", {{"name", "web"}, {"namespace", "shop"}, {"uid", "uid-1"}}},
            {"spec", {{"volumes", std::move(volumes)}}}};
}

QByteArray fileAt(const std::string &path)
{
    QFile file(QString::fromStdString(path));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("<missing>");
}

} // namespace

class TestKubeletVolumes : public QObject
{
    Q_OBJECT

private slots:
    void aConfigMapBecomesFiles()
    {
        QTemporaryDir dir;
        VolumeSources sources;
        sources.configMaps["page"] = {{"data", {{"index.html", "<h1>app2</h1>"}, {"b", "B"}}}};
        auto prepared =
            preparePodVolumes(pod({{{"name", "html"}, {"configMap", {{"name", "page"}}}}}), sources,
                              dir.path().toStdString());
        QVERIFY2(prepared, prepared ? "" : prepared.error().message().c_str());
        const std::string volume = prepared->hostPaths.at("html");
        QCOMPARE(volume, dir.path().toStdString() + "/uid-1/volumes/kubernetes.io~configmap/html");
        QCOMPARE(fileAt(volume + "/index.html"), QByteArray("<h1>app2</h1>"));
        QCOMPARE(fileAt(volume + "/b"), QByteArray("B"));
    }

    // Files are written when new or changed, and each sync says which (the evidence).
    void onlyChangedFilesAreWritten()
    {
        QTemporaryDir dir;
        VolumeSources sources;
        sources.configMaps["page"] = {{"data", {{"index.html", "v1"}, {"b", "B"}}}};
        const Json thePod = pod({{{"name", "html"}, {"configMap", {{"name", "page"}}}}});
        auto first = preparePodVolumes(thePod, sources, dir.path().toStdString());
        QVERIFY(first);
        QCOMPARE(first->written.size(), std::size_t(1));
        QCOMPARE(first->written[0].source, std::string("page"));
        QCOMPARE(first->written[0].files, (std::vector<std::string>{"b", "index.html"}));
        auto again = preparePodVolumes(thePod, sources, dir.path().toStdString());
        QVERIFY(again && again->written.empty());
        sources.configMaps["page"]["data"]["index.html"] = "v2";
        auto changed = preparePodVolumes(thePod, sources, dir.path().toStdString());
        QVERIFY(changed);
        QCOMPARE(changed->written.size(), std::size_t(1));
        QCOMPARE(changed->written[0].files, std::vector<std::string>{"index.html"});
        QCOMPARE(fileAt(changed->hostPaths.at("html") + "/index.html"), QByteArray("v2"));
    }

    void itemsChooseKeysAndPaths()
    {
        QTemporaryDir dir;
        VolumeSources sources;
        sources.configMaps["page"] = {{"data", {{"index.html", "x"}, {"other", "y"}}}};
        auto prepared = preparePodVolumes(
            pod({{{"name", "html"},
                  {"configMap",
                   {{"name", "page"},
                    {"items", {{{"key", "index.html"}, {"path", "site/home.html"}}}}}}}}),
            sources, dir.path().toStdString());
        QVERIFY(prepared);
        const std::string volume = prepared->hostPaths.at("html");
        QCOMPARE(fileAt(volume + "/site/home.html"), QByteArray("x"));
        QVERIFY(!QFile::exists(QString::fromStdString(volume + "/other")));
    }

    void aSecretIsDecoded()
    {
        QTemporaryDir dir;
        VolumeSources sources;
        sources.secrets["db"] = {{"data", {{"password", "czNjcjN0"}}}}; // "s3cr3t"
        auto prepared =
            preparePodVolumes(pod({{{"name", "creds"}, {"secret", {{"secretName", "db"}}}}}),
                              sources, dir.path().toStdString());
        QVERIFY(prepared);
        QCOMPARE(fileAt(prepared->hostPaths.at("creds") + "/password"), QByteArray("s3cr3t"));
    }

    // env and envFrom from a ConfigMap and a Secret: later names win, Secrets are decoded,
    // and the pod names what it needs so the kubelet watches them.
    void theEnvironmentComesFromConfigMapsAndSecrets()
    {
        const Json container = Json::parse(R"({
            "name": "app",
            "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "APP_"}],
            "env": [
                {"name": "MODE", "value": "plain"},
                {"name": "APP_COLOUR", "value": "overridden"},
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "SHOP", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "SHOP"}}},
                {"name": "MAYBE", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "x", "optional": true}}}
            ]})");
        Json thePod = pod(Json::array());
        thePod["spec"]["containers"] = Json::array({container});
        const auto [configMaps, secrets] = volumeReferences(thePod);
        QCOMPARE(configMaps, (std::vector<std::string>{"settings", "absent"}));
        QCOMPARE(secrets, std::vector<std::string>{"db"});

        VolumeSources sources;
        sources.configMaps["settings"] = {{"data", {{"SHOP", "Books"}, {"COLOUR", "blue"}}}};
        sources.secrets["db"] = {{"data", {{"password", "czNjcjN0"}}}}; // "s3cr3t"
        auto env = containerEnvironment(thePod, container, sources);
        QVERIFY2(env, env ? "" : env.error().message().c_str());
        const std::vector<std::pair<std::string, std::string>> expected = {
            {"APP_COLOUR", "overridden"}, {"APP_SHOP", "Books"}, {"MODE", "plain"},
            {"DB_PASSWORD", "s3cr3t"},    {"SHOP", "Books"}};
        QCOMPARE(*env, expected);
    }

    void aMissingEnvSourceIsAConfigError_data()
    {
        QTest::addColumn<QString>("env");
        QTest::addColumn<QString>("message");
        QTest::newRow("secret") << R"({"name": "P", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}})"
                                << "secret \"nope\" not found";
        QTest::newRow("key") << R"({"name": "P", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "missing"}}})"
                             << "couldn't find key missing in ConfigMap shop/settings";
        QTest::newRow("fieldRef") << R"({"name": "P", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})"
                                  << "env P: valueFrom fieldRef is not supported by this kubelet";
    }

    void aMissingEnvSourceIsAConfigError()
    {
        QFETCH(QString, env);
        QFETCH(QString, message);
        const Json container = {{"name", "app"}, {"env", Json::array({Json::parse(env.toStdString())})}};
        VolumeSources sources;
        sources.configMaps["settings"] = {{"data", {{"SHOP", "Books"}}}};
        auto result = containerEnvironment(pod(Json::array()), container, sources);
        QVERIFY(!result);
        QVERIFY2(QString::fromStdString(result.error().message()).startsWith(message),
                 result.error().message().c_str());
    }

    // A claim mounts the hostPath of the volume it is bound to; until it is bound, FailedMount.
    void aClaimMountsItsBoundVolume()
    {
        QTemporaryDir dir;
        const Json volumes = {{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", "data-pg-0"}}}}};
        VolumeSources sources;
        QCOMPARE(claimReferences(pod(volumes)), std::vector<std::string>{"data-pg-0"});
        auto missing = preparePodVolumes(pod(volumes), sources, dir.path().toStdString());
        QVERIFY(!missing);
        QVERIFY(missing.error().message().find("persistentvolumeclaim \"data-pg-0\" not found") !=
                std::string::npos);
        sources.claims["data-pg-0"] = {{"spec", {{"volumeName", "pvc-1"}}}, {"status", {{"phase", "Pending"}}}};
        auto unbound = preparePodVolumes(pod(volumes), sources, dir.path().toStdString());
        QVERIFY(!unbound);
        QVERIFY(unbound.error().message().find("is not bound yet") != std::string::npos);
        sources.claims["data-pg-0"]["status"]["phase"] = "Bound";
        const std::string path = dir.path().toStdString() + "/volumes/pvc-1";
        sources.volumes["pvc-1"] = {{"spec", {{"hostPath", {{"path", path}}}}}};
        auto bound = preparePodVolumes(pod(volumes), sources, dir.path().toStdString());
        QVERIFY2(bound, bound ? "" : bound.error().message().c_str());
        QCOMPARE(bound->hostPaths.at("data"), path);
        QVERIFY(QFileInfo(QString::fromStdString(path)).isDir());
    }

    void aMissingConfigMapIsAFailedMount()
    {
        QTemporaryDir dir;
        auto prepared =
            preparePodVolumes(pod({{{"name", "html"}, {"configMap", {{"name", "nope"}}}}}), {},
                              dir.path().toStdString());
        QVERIFY(!prepared);
        QCOMPARE(prepared.error().message(),
                 std::string("MountVolume.SetUp failed for volume \"html\" : configmap \"nope\" "
                             "not found"));
        // Unless it is optional: then the volume is there, empty.
        auto optional = preparePodVolumes(
            pod({{{"name", "html"}, {"configMap", {{"name", "nope"}, {"optional", true}}}}}), {},
            dir.path().toStdString());
        QVERIFY(optional);
    }

    void keysThatLeaveTheVolumeAreRefused()
    {
        QTemporaryDir dir;
        VolumeSources sources;
        sources.configMaps["page"] = {{"data", {{"a", "x"}}}};
        auto prepared = preparePodVolumes(
            pod({{{"name", "html"},
                  {"configMap",
                   {{"name", "page"}, {"items", {{{"key", "a"}, {"path", "../../escape"}}}}}}}}),
            sources, dir.path().toStdString());
        QVERIFY(!prepared);
        QVERIFY(prepared.error().message().find("leaves the volume") != std::string::npos);
    }

    void mountsFollowTheContainersVolumeMounts()
    {
        QTemporaryDir dir;
        auto prepared = preparePodVolumes(
            pod({{{"name", "scratch"}, {"emptyDir", Json::object()}},
                 {{"name", "host"}, {"hostPath", {{"path", dir.path().toStdString()}}}}}),
            {}, dir.path().toStdString());
        QVERIFY2(prepared, prepared ? "" : prepared.error().message().c_str());
        const Json container = {
            {"name", "c"},
            {"volumeMounts",
             {{{"name", "scratch"}, {"mountPath", "/tmp/scratch"}},
              {{"name", "host"}, {"mountPath", "/data"}, {"readOnly", true}, {"subPath", "sub"}}}}};
        auto mounts = containerMounts(container, *prepared);
        QVERIFY(mounts);
        QCOMPARE(mounts->size(), std::size_t(2));
        QCOMPARE((*mounts)[0].container_path(), std::string("/tmp/scratch"));
        QVERIFY(!(*mounts)[0].readonly());
        QCOMPARE((*mounts)[1].host_path(), dir.path().toStdString() + "/sub");
        QVERIFY((*mounts)[1].readonly());

        const Json wrong = {{"name", "c"},
                            {"volumeMounts", {{{"name", "nope"}, {"mountPath", "/x"}}}}};
        auto refused = containerMounts(wrong, *prepared);
        QVERIFY(!refused);
        QVERIFY(refused.error().message().find("\"nope\"") != std::string::npos);
    }

    void removingAPodsVolumesLeavesHostPathsAlone()
    {
        QTemporaryDir dir;
        QTemporaryDir host;
        auto prepared = preparePodVolumes(
            pod({{{"name", "scratch"}, {"emptyDir", Json::object()}},
                 {{"name", "host"}, {"hostPath", {{"path", host.path().toStdString()}}}}}),
            {}, dir.path().toStdString());
        QVERIFY(prepared);
        removePodVolumes(dir.path().toStdString(), "uid-1");
        QVERIFY(!QFile::exists(dir.filePath("uid-1")));
        QVERIFY(QFile::exists(host.path()));
    }
};

QTEST_MAIN(TestKubeletVolumes)
#include "tst_kubelet_volumes.moc"
