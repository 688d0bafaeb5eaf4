// Kubernetes' protobuf request bodies, as kubectl 1.32 sends them, decoded into the JSON the
// same command would have sent as JSON. The fixtures are real captures (fixtures/protobuf/
// README.md says how they were made) beside what `kubectl <same command> --dry-run=client -o
// json` prints; the hand-built cases pin the wire format and the special types one at a time.

#include "engine/kube/api/ProtobufCodec.h"
#include "engine/kube/api/ProtobufSchema.h"

#include <QFile>
#include <QTest>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace flowlab::kube;

namespace {

const QString kFixtures = QStringLiteral(FLOWLAB_SOURCE_DIR "/tests/unit/kube/fixtures/protobuf/");

// Every protobuf body kubectl 1.32 sent in the capture, by the command that sent it.
const char *const kCaptured[] = {
    "create_deployment",
    "create_deployment_zero_replicas",
    "create_deployment_command",
    "create_deployment_two_images",
    "create_namespace",
    "create_configmap",
    "create_configmap_hash",
    "create_secret_generic",
    "create_secret_generic_typed",
    "create_secret_tls",
    "create_secret_docker_registry",
    "create_service_clusterip",
    "create_service_clusterip_headless",
    "create_service_nodeport",
    "create_service_loadbalancer",
    "create_service_externalname",
    "create_serviceaccount",
    "create_job",
    "create_cronjob",
    "create_role",
    "create_rolebinding",
    "create_rolebinding_clusterrole",
    "create_clusterrole",
    "create_clusterrole_resources",
    "create_clusterrole_aggregation",
    "create_clusterrolebinding",
    "create_ingress",
    "create_ingress_default_backend",
    "create_quota",
    "create_pdb_min_available",
    "create_pdb_max_unavailable",
    "create_priorityclass",
    "create_priorityclass_zero",
    // No --dry-run for these: their JSON is written by hand from the Go types (see README.md).
    "create_token",
    "create_token_bound",
    "auth_can_i",
    "auth_can_i_subresource",
    "auth_can_i_group",
    "auth_can_i_nonresource",
    "auth_can_i_named",
    "auth_can_i_list",
    "auth_whoami",
};

std::string readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    return std::string(bytes.constData(), std::size_t(bytes.size()));
}

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

// A little protobuf writer for the hand-built cases.
std::string varint(std::uint64_t value)
{
    std::string out;
    do {
        std::uint8_t byte = value & 0x7f;
        value >>= 7;
        if (value)
            byte |= 0x80;
        out += char(byte);
    } while (value);
    return out;
}

std::string tag(std::uint32_t field, unsigned wireType)
{
    return varint((std::uint64_t(field) << 3) | wireType);
}

std::string num(std::uint32_t field, std::int64_t value)
{
    return tag(field, 0) + varint(std::uint64_t(value));
}

std::string bytes(std::uint32_t field, const std::string &content)
{
    return tag(field, 2) + varint(content.size()) + content;
}

std::string entry(std::uint32_t field, const std::string &key, const std::string &value)
{
    return bytes(field, bytes(1, key) + value);
}

std::string envelope(const std::string &apiVersion, const std::string &kind, const std::string &raw)
{
    return std::string("k8s\0", 4) + bytes(1, bytes(1, apiVersion) + bytes(2, kind)) +
           bytes(2, raw) + bytes(3, "") + bytes(4, "");
}

// ObjectMeta as go-to-protobuf writes it for a new object: every string, generation 0 and an
// empty creationTimestamp.
std::string meta(const std::string &name)
{
    std::string out = bytes(1, name);
    for (std::uint32_t field = 2; field <= 6; ++field)
        out += bytes(field, "");
    return out + num(7, 0) + bytes(8, "");
}

// A container as go-to-protobuf writes it: its resources struct is always there.
std::string container(const std::string &name, const std::string &rest = {})
{
    return bytes(1, name) + bytes(8, "") + rest;
}

std::string deployment(const std::string &spec)
{
    return envelope("apps/v1", "Deployment", bytes(1, meta("web")) + bytes(2, spec));
}

std::string podSpecIn(const std::string &podSpec)
{
    return deployment(bytes(3, bytes(1, meta("")) + bytes(2, podSpec)));
}

std::string service(const std::string &port)
{
    return envelope("v1", "Service", bytes(1, meta("svc")) + bytes(2, bytes(1, port)));
}

std::string intOrString(std::int64_t type, std::int64_t intVal, const std::string &strVal)
{
    return num(1, type) + num(2, intVal) + bytes(3, strVal);
}

const char *const kDeploymentSkeleton = R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "creationTimestamp": null}})";

} // namespace

class TestKubeProtobuf : public QObject
{
    Q_OBJECT

private slots:
    void schemaHoldsTogether()
    {
        const auto status = protobuf::checkProtobufSchema();
        QVERIFY2(status.ok(), status.ok() ? "" : status.error().message().c_str());
    }

    // Each kind decodes an object with nothing in it, so every kind reaches its message.
    void everyKindHasAMessage()
    {
        for (const protobuf::KindSpec &kind : protobuf::protobufKinds()) {
            const std::string apiVersion(kind.apiVersion);
            const std::string name(kind.kind);
            const auto decoded = decodeKubernetesProtobuf(envelope(apiVersion, name, ""));
            QVERIFY2(decoded.ok(), decoded.ok() ? "" : decoded.error().message().c_str());
            QCOMPARE(qs((*decoded)["kind"].get<std::string>()), qs(name));
            QCOMPARE(qs((*decoded)["apiVersion"].get<std::string>()), qs(apiVersion));
        }
    }

    void decodesWhatKubectlSent_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *name : kCaptured)
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void decodesWhatKubectlSent()
    {
        QFETCH(QString, name);
        const std::string body = readFile(kFixtures + name + ".pb");
        QVERIFY2(!body.empty(), qPrintable("missing fixture " + name + ".pb"));
        const Json expected = Json::parse(readFile(kFixtures + name + ".json"), nullptr, false);
        QVERIFY2(!expected.is_discarded(), qPrintable("missing or bad fixture " + name + ".json"));

        const auto decoded = decodeKubernetesProtobuf(body);
        QVERIFY2(decoded.ok(), decoded.ok() ? "" : decoded.error().message().c_str());
        const Json difference = Json::diff(expected, *decoded);
        QVERIFY2(difference.empty(),
                 qPrintable("decoded differs from " + name + ".json: " + qs(difference.dump())));
    }

    // Cut anywhere inside the object (after the envelope's typeMeta, before its empty trailing
    // contentEncoding and contentType), a body is truncated and must say so.
    void truncatedCapturesAreErrors_data() { decodesWhatKubectlSent_data(); }

    void truncatedCapturesAreErrors()
    {
        QFETCH(QString, name);
        const std::string body = readFile(kFixtures + name + ".pb");
        QVERIFY(body.size() > 8);
        const std::size_t typeMetaEnd = 4 + 2 + std::uint8_t(body[5]);
        for (std::size_t length = 0; length + 4 < body.size(); ++length) {
            if (length == typeMetaEnd)
                continue; // an envelope without raw is a valid empty object
            const auto decoded = decodeKubernetesProtobuf(body.substr(0, length));
            QVERIFY2(!decoded.ok(),
                     qPrintable(name + " cut to " + QString::number(length) + " bytes decoded"));
            QVERIFY(decoded.error().message().starts_with("protobuf: "));
        }
    }

    // Seeded byte flips, cuts and splices of the captures: whatever comes out, it is a value or
    // an error, never a crash (the fuzz target runs the same under the sanitizers).
    void mangledCapturesNeverCrash()
    {
        std::mt19937 random(20260102);
        std::vector<std::string> bodies;
        for (const char *name : kCaptured)
            bodies.push_back(readFile(kFixtures + name + ".pb"));
        int errors = 0;
        for (int i = 0; i < 4000; ++i) {
            std::string body = bodies[random() % bodies.size()];
            const int edits = 1 + int(random() % 4);
            for (int e = 0; e < edits && !body.empty(); ++e) {
                const std::size_t at = random() % body.size();
                switch (random() % 4) {
                case 0:
                    body[at] = char(random());
                    break;
                case 1:
                    body[at] = char(body[at] ^ (1 << (random() % 8)));
                    break;
                case 2:
                    body.erase(at, 1 + random() % 8);
                    break;
                default:
                    body.insert(at, bodies[random() % bodies.size()].substr(4, 1 + random() % 16));
                }
            }
            const auto decoded = decodeKubernetesProtobuf(body);
            if (decoded.ok())
                (void)decoded->dump();
            else
                ++errors;
        }
        QVERIFY(errors > 0);
    }

    void decodesHandBuiltBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expected");

        auto row = [](const char *name, const std::string &body, const std::string &json) {
            QTest::newRow(name) << QByteArray(body.data(), qsizetype(body.size()))
                                << QString::fromStdString(json);
        };
        const std::string skeleton = kDeploymentSkeleton;
        auto withSpec = [&](const std::string &spec) {
            Json object = Json::parse(skeleton);
            object["spec"] = Json::parse(spec);
            return object.dump();
        };

        // Zero values: a pointer field keeps its 0, a plain int32 drops it.
        row("replicas 0 is kept, minReadySeconds 0 is dropped",
            deployment(num(1, 0) + num(5, 0) + num(9, 600)),
            withSpec(R"({"replicas": 0, "progressDeadlineSeconds": 600})"));
        row("pod pointers keep false and 0; plain bools drop false",
            podSpecIn(num(4, 0) + num(21, 0) + num(11, 0) + bytes(3, "")),
            withSpec(R"({"template": {"metadata": {"creationTimestamp": null}, "spec": {
                "terminationGracePeriodSeconds": 0, "automountServiceAccountToken": false,
                "containers": null}}})"));
        row("a negative int32 travels sign-extended", deployment(num(1, -3)),
            withSpec(R"({"replicas": -3})"));

        // IntOrString both ways.
        row("IntOrString as a number", service(num(3, 80) + bytes(4, intOrString(0, 8080, ""))),
            R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc",
                "creationTimestamp": null}, "spec": {"ports": [{"port": 80, "targetPort": 8080}]}})");
        row("IntOrString as a string", service(num(3, 80) + bytes(4, intOrString(1, 0, "http"))),
            R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc",
                "creationTimestamp": null}, "spec": {"ports": [{"port": 80, "targetPort": "http"}]}})");

        // Quantity, maps, the empty struct kept, Inline volume sources.
        row("resources, a zero Quantity and an emptyDir",
            podSpecIn(
                bytes(1, bytes(1, "cache") + bytes(2, bytes(2, bytes(2, ""))) /* emptyDir */) +
                bytes(1, bytes(1, "cfg") + bytes(2, bytes(19, bytes(1, bytes(1, "settings"))))) +
                bytes(2, bytes(1, "app") + bytes(8, entry(1, "cpu", bytes(2, bytes(1, "500m"))) +
                                                        entry(2, "memory", bytes(2, "")))) +
                entry(7, "disk", "") /* nodeSelector entry without value */),
            withSpec(R"({"template": {"metadata": {"creationTimestamp": null}, "spec": {
                "volumes": [{"name": "cache", "emptyDir": {"sizeLimit": "0"}},
                            {"name": "cfg", "configMap": {"name": "settings"}}],
                "containers": [{"name": "app", "resources": {"limits": {"cpu": "500m"},
                                                             "requests": {"memory": "0"}}}],
                "nodeSelector": {"disk": ""}}}})"));
        row("an empty emptyDir stays an object",
            podSpecIn(bytes(1, bytes(1, "scratch") + bytes(2, bytes(2, ""))) +
                      bytes(2, container("app"))),
            withSpec(R"({"template": {"metadata": {"creationTimestamp": null}, "spec": {
                "volumes": [{"name": "scratch", "emptyDir": {}}],
                "containers": [{"name": "app", "resources": {}}]}}})"));

        // Packed and unpacked repeated scalars, mixed in one field.
        row("packed and unpacked supplementalGroups",
            podSpecIn(bytes(14, bytes(4, varint(1) + varint(2) + varint(300)) + num(4, 7)) +
                      bytes(2, container("app"))),
            withSpec(R"({"template": {"metadata": {"creationTimestamp": null}, "spec": {
                "securityContext": {"supplementalGroups": [1, 2, 300, 7]},
                "containers": [{"name": "app", "resources": {}}]}}})"));

        // Probes: the inline handler, IntOrString ports, a pointer int64 at 0.
        row("a probe with an httpGet handler",
            podSpecIn(bytes(
                2, container("app",
                             bytes(10, bytes(1, bytes(2, bytes(1, "/healthz") +
                                                             bytes(2, intOrString(0, 8080, "")))) +
                                           num(3, 1) + num(7, 0))))),
            withSpec(R"({"template": {"metadata": {"creationTimestamp": null}, "spec": {
                "containers": [{"name": "app", "resources": {}, "livenessProbe": {
                    "httpGet": {"path": "/healthz", "port": 8080}, "timeoutSeconds": 1,
                    "terminationGracePeriodSeconds": 0}}]}}})"));

        // Time: RFC 3339 to the second; MicroTime to the microsecond; zero is null.
        row("Time and MicroTime",
            envelope("v1", "Event",
                     bytes(1, bytes(1, "e") + bytes(8, num(1, 1767323045) + num(2, 5))) +
                         bytes(6, "") + bytes(10, num(1, 1767323045) + num(2, 123456789)) +
                         bytes(14, "kubelet") + bytes(15, "")),
            R"({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e",
                "creationTimestamp": "2026-01-02T03:04:05Z"}, "firstTimestamp": null,
                "eventTime": "2026-01-02T03:04:05.123456Z", "reportingComponent": "kubelet",
                "reportingInstance": ""})");

        // bytes: base64, as encoding/json writes []byte; an empty value is "".
        row("Secret data is base64",
            envelope("v1", "Secret",
                     bytes(1, meta("s")) + entry(2, "bin", bytes(2, std::string("\0\xff", 2))) +
                         entry(2, "empty", bytes(2, "")) + bytes(3, "Opaque")),
            R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s",
                "creationTimestamp": null}, "data": {"bin": "AP8=", "empty": ""},
                "type": "Opaque"})");

        // RawExtension: the embedded JSON document; ExtraValue: a plain list.
        row("ControllerRevision data is embedded JSON",
            envelope("apps/v1", "ControllerRevision",
                     bytes(1, meta("rev")) + bytes(2, bytes(1, R"({"spec":{"a":[1,2]}})")) +
                         num(3, 2)),
            R"({"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {
                "name": "rev", "creationTimestamp": null}, "data": {"spec": {"a": [1, 2]}},
                "revision": 2})");
        row("SubjectAccessReview extra is a map of lists",
            envelope("authorization.k8s.io/v1", "SubjectAccessReview",
                     bytes(1, meta("")) +
                         bytes(2, bytes(3, "alice") +
                                      entry(5, "scopes", bytes(2, bytes(1, "a") + bytes(1, "b")))) +
                         bytes(3, num(1, 0) + bytes(2, "") + bytes(3, ""))),
            R"({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "metadata": {"creationTimestamp": null}, "spec": {"user": "alice",
                "extra": {"scopes": ["a", "b"]}}, "status": {"allowed": false}})");

        // A nil list whose json tag has no omitempty is null, as Go writes it.
        row("ClusterRole without rules",
            envelope("rbac.authorization.k8s.io/v1", "ClusterRole", bytes(1, meta("agg"))),
            R"({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "agg", "creationTimestamp": null}, "rules": null})");
        row("managedFields are dropped",
            envelope("v1", "Namespace",
                     bytes(1, meta("ns") + bytes(17, bytes(1, "kubectl") + bytes(4, ""))) +
                         bytes(2, "") + bytes(3, bytes(1, ""))),
            R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns",
                "creationTimestamp": null}, "spec": {}, "status": {}})");
    }

    void decodesHandBuiltBodies()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, expected);
        const auto decoded = decodeKubernetesProtobuf(std::string_view(body.data(), body.size()));
        QVERIFY2(decoded.ok(), decoded.ok() ? "" : decoded.error().message().c_str());
        const Json want = Json::parse(expected.toStdString());
        QVERIFY2(*decoded == want,
                 qPrintable("got " + qs(decoded->dump()) + "\nwant " + qs(want.dump())));
    }

    void refusesBadBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error");

        auto row = [](const char *name, const std::string &body, const char *error) {
            QTest::newRow(name) << QByteArray(body.data(), qsizetype(body.size()))
                                << QString::fromLatin1(error);
        };
        row("unknown field", podSpecIn(bytes(2, container("app", num(42, 1)))),
            "protobuf: Container has no field 42 known to Flowlab (at "
            "spec.template.spec.containers[0])");
        row("unknown kind", envelope("apps/v1", "Frobnicator", ""),
            "protobuf: no message known to Flowlab for apps/v1 Frobnicator");
        row("wrong magic", "k8z" + envelope("v1", "Pod", "").substr(3),
            "protobuf: the body does not start with \"k8s\\0\"");
        row("JSON sent as protobuf", R"({"apiVersion":"v1","kind":"Pod"})",
            "protobuf: the body does not start with");
        row("empty body", "", "protobuf: the body does not start with");
        row("truncated envelope", deployment(num(1, 3)).substr(0, 32),
            "protobuf: truncated runtime.Unknown envelope");
        row("truncated inside the object",
            envelope("apps/v1", "Deployment", tag(2, 2) + varint(10) + "abc"),
            "protobuf: truncated Deployment field 2 (spec)");
        row("wire type mismatch", deployment(bytes(1, "3")),
            "protobuf: DeploymentSpec field 1 (replicas) has wire type length-delimited, "
            "expected varint (at spec)");
        row("group wire type", deployment(tag(1, 3)),
            "protobuf: DeploymentSpec field 1 (replicas) has wire type group");
        row("field number zero", deployment(num(0, 1)),
            "protobuf: DeploymentSpec has an invalid field number 0");
        row("varint overflow", deployment(tag(1, 0) + std::string(11, '\xff')),
            "protobuf: truncated or malformed varint in DeploymentSpec field 1");
        row("int32 out of range", deployment(num(1, std::int64_t(1) << 40)),
            "protobuf: DeploymentSpec field 1 (replicas) holds 1099511627776, which does not "
            "fit an int32");
        row("invalid UTF-8", envelope("v1", "Namespace", bytes(1, bytes(1, "bad\xc3("))),
            "protobuf: ObjectMeta field 1 (name) is not valid UTF-8 (at metadata.name)");
        row("IntOrString of type 7", service(num(3, 80) + bytes(4, intOrString(7, 0, ""))),
            "protobuf: ServicePort field 4 (targetPort): IntOrString has type 7");
        row("Time before year 1", envelope("v1", "Event", bytes(6, num(1, -70000000000))),
            "protobuf: Event field 6 (firstTimestamp): time -70000000000s is outside years");
        row("Time with negative nanos", envelope("v1", "Event", bytes(6, num(1, 5) + num(2, -1))),
            "protobuf: Event field 6 (firstTimestamp): Time has nanos -1");
        row("map sent as a varint", podSpecIn(num(32, 1)),
            "protobuf: PodSpec field 32 (overhead) has wire type varint, expected "
            "length-delimited (at spec.template.spec)");
        row("Quantity with a stray field",
            podSpecIn(bytes(1, bytes(1, "v") + bytes(2, bytes(2, bytes(2, num(2, 1)))))),
            "protobuf: Quantity has no field 2 known to Flowlab (at "
            "spec.template.spec.volumes[0].emptyDir.sizeLimit)");
        row("RawExtension that is not JSON",
            envelope("apps/v1", "ControllerRevision", bytes(2, bytes(1, "\x0a\x01x"))),
            "protobuf: ControllerRevision field 2 (data): RawExtension does not hold a JSON "
            "document");
        row("RawExtension nested too deep",
            envelope("apps/v1", "ControllerRevision",
                     bytes(2, bytes(1, std::string(100000, '[') + std::string(100000, ']')))),
            "RawExtension does not hold a JSON document");
        row("content encoding",
            std::string("k8s\0", 4) + bytes(1, bytes(1, "v1") + bytes(2, "Pod")) + bytes(2, "") +
                bytes(3, "gzip"),
            "protobuf: content encoding \"gzip\" is not supported");
        row("envelope without a kind", std::string("k8s\0", 4) + bytes(2, ""),
            "protobuf: the envelope names no apiVersion and kind");
        row("too large", std::string("k8s\0", 4) + std::string(5u << 20, '\0'),
            "protobuf: the body has 5242884 bytes");
        std::string many;
        for (int i = 0; i < 300'000; ++i)
            many += bytes(14, "f");
        row("too many values", envelope("v1", "Namespace", bytes(1, many)),
            "protobuf: the object has more than 250000 values");
    }

    void refusesBadBodies()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        const auto decoded = decodeKubernetesProtobuf(std::string_view(body.data(), body.size()));
        QVERIFY2(!decoded.ok(), decoded.ok() ? qPrintable(qs(decoded->dump())) : "");
        QVERIFY2(qs(decoded.error().message()).startsWith(error) ||
                     qs(decoded.error().message()).contains(error),
                 decoded.error().message().c_str());
    }

    void formatsTimes_data()
    {
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<int>("nanos");
        QTest::addColumn<bool>("micro");
        QTest::addColumn<QString>("expected");

        QTest::newRow("epoch") << qint64(0) << 0 << false << "1970-01-01T00:00:00Z";
        QTest::newRow("before the epoch") << qint64(-1) << 0 << false << "1969-12-31T23:59:59Z";
        QTest::newRow("nanos dropped")
            << qint64(1767323045) << 999 << false << "2026-01-02T03:04:05Z";
        QTest::newRow("micro") << qint64(1767323045) << 123456789 << true
                               << "2026-01-02T03:04:05.123456Z";
        QTest::newRow("micro zero fraction")
            << qint64(1767323045) << 0 << true << "2026-01-02T03:04:05.000000Z";
        QTest::newRow("leap day") << qint64(951782400) << 0 << false << "2000-02-29T00:00:00Z";
        QTest::newRow("year 1") << qint64(-62135596800) << 0 << false << "0001-01-01T00:00:00Z";
        QTest::newRow("year 9999") << qint64(253402300799) << 0 << false << "9999-12-31T23:59:59Z";
        QTest::newRow("year 10000") << qint64(253402300800) << 0 << false << "";
        QTest::newRow("bad nanos") << qint64(0) << 1'000'000'000 << false << "";
    }

    void formatsTimes()
    {
        QFETCH(qint64, seconds);
        QFETCH(int, nanos);
        QFETCH(bool, micro);
        QFETCH(QString, expected);
        const auto text = formatKubernetesTime(seconds, nanos, micro);
        QCOMPARE(text.ok(), !expected.isEmpty());
        if (text.ok())
            QCOMPARE(qs(*text), expected);
    }

    void formatsDurations_data()
    {
        QTest::addColumn<qint64>("nanoseconds");
        QTest::addColumn<QString>("expected");

        QTest::newRow("zero") << qint64(0) << "0s";
        QTest::newRow("1ns") << qint64(1) << "1ns";
        QTest::newRow("1.5µs") << qint64(1500) << QString::fromUtf8("1.5µs");
        QTest::newRow("300ms") << qint64(300'000'000) << "300ms";
        QTest::newRow("1.5s") << qint64(1'500'000'000) << "1.5s";
        QTest::newRow("90s") << qint64(90'000'000'000) << "1m30s";
        QTest::newRow("1h") << qint64(3'600'000'000'000) << "1h0m0s";
        QTest::newRow("negative") << qint64(-2'000'000'000) << "-2s";
        QTest::newRow("minimum") << std::numeric_limits<qint64>::min()
                                 << "-2562047h47m16.854775808s";
    }

    void formatsDurations()
    {
        QFETCH(qint64, nanoseconds);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromUtf8(formatGoDuration(nanoseconds)), expected);
    }
};

QTEST_GUILESS_MAIN(TestKubeProtobuf)
#include "tst_kube_protobuf.moc"
