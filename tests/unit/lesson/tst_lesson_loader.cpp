// Lesson files: the real ones load; bad ones get errors naming the file and the JSON pointer.

#include "tracer/lesson/KubectlArguments.h"
#include "tracer/lesson/LessonLoader.h"

#include <QDir>
#include <QTest>

using namespace flowlab;

namespace {

// A small valid lesson, edited by each bad case.
nlohmann::json minimalLesson()
{
    return nlohmann::json::parse(R"JSON({
      "flowlab_lesson": 1, "id": "t", "title": "T", "summary": "s", "level": "beginner",
      "lab": "docker",
      "components": [{"id": "a"}, {"id": "b"}],
      "actions": [{"id": "run", "do": "docker", "args": ["ps"]}],
      "steps": [{"id": "one", "title": "One", "component": "a", "from": "a", "to": "b",
                 "explanation": "x",
                 "match": [{"kind": "api", "attrs": {"status": 200}, "during": "run"}]}]
    })JSON");
}

} // namespace

class TestLessonLoader : public QObject
{
    Q_OBJECT

private slots:
    void realLessonsLoad()
    {
        const QDir dir(QStringLiteral(FLOWLAB_SOURCE_DIR "/lessons"));
        const auto files = dir.entryList({"*.json"}, QDir::Files);
        QVERIFY(!files.isEmpty());
        for (const QString &name : files) {
            auto lesson = loadLesson(dir.filePath(name).toStdString());
            QVERIFY2(lesson, lesson ? "" : lesson.error().message().c_str());
        }
        auto dockerRun = loadLesson(dir.filePath("docker-run.json").toStdString());
        QCOMPARE(dockerRun->steps.size(), std::size_t(10));
        QCOMPARE(dockerRun->steps[7].id, std::string("runc-namespaces"));
        QVERIFY(dockerRun->steps[7].matchers.size() >= 4);
        QCOMPARE(dockerRun->quiz.size(), std::size_t(3));
        // The stage stacks the seed's layers: you, the client, the daemon, the runtime...
        QCOMPARE(dockerRun->stage.rows.size(), std::size_t(6));
        QCOMPARE(dockerRun->stage.rows[3].label, std::string("container runtime"));
        QCOMPARE(dockerRun->stage.rows[3].components,
                 (std::vector<std::string>{"containerd", "shim", "runc"}));
    }

    void badLessons_data()
    {
        QTest::addColumn<QString>("pointer");  // JSON pointer to edit
        QTest::addColumn<QString>("value");    // JSON text to put there ("DELETE" removes it)
        QTest::addColumn<QString>("expected"); // the whole error after "<file>: "

        QTest::newRow("format version")
            << "/flowlab_lesson"
            << "2"
            << "/flowlab_lesson: unsupported lesson format 2; this Flowlab reads format 1";
        QTest::newRow("missing title") << "/title"
                                       << "DELETE"
                                       << "/title: missing required key";
        QTest::newRow("unknown top key") << "/colour"
                                         << "\"red\""
                                         << "/colour: unknown key";
        QTest::newRow("unknown kind")
            << "/steps/0/match/0/kind"
            << "\"sycall\""
            << "/steps/0/match/0/kind: unknown event kind \"sycall\" (known: command, api, audit, "
               "grpc, store, reconcile, schedule, process, syscall, netlink, rule, packet, "
               "conntrack, dns, log)";
        QTest::newRow("unknown matcher field")
            << "/steps/0/match/0/colour"
            << "1"
            << "/steps/0/match/0/colour: unknown matcher field \"colour\" (expected kind, "
               "component, node, summary, attrs, during, after or role)";
        QTest::newRow("unknown test")
            << "/steps/0/match/0/attrs/status"
            << "{\"near\": 200}"
            << "/steps/0/match/0/attrs/status/near: unknown test \"near\" (expected equals, "
               "contains, regex, exists or at_least)";
        QTest::newRow("bad regex") << "/steps/0/match/0/summary"
                                   << "{\"regex\": \"(\"}"
                                   << "/steps/0/match/0/summary/regex: invalid regex: ";
        QTest::newRow("unknown component")
            << "/steps/0/to"
            << "\"c\""
            << "/steps/0/to: unknown component \"c\" (the lesson declares: a, b)";
        QTest::newRow("during unknown action")
            << "/steps/0/match/0/during"
            << "\"later\""
            << "/steps/0/match/0/during: no action has the id \"later\" (the lesson's actions "
               "are run)";
        QTest::newRow("during with no actions at all")
            << "/actions"
            << "DELETE"
            << "/steps/0/match/0/during: no action has the id \"run\" (the lesson has no "
               "actions)";
        // Matchers that can never match: the attribute, or the test, does not fit the kind.
        QTest::newRow("attribute the kind never has")
            << "/steps/0/match/0"
            << R"({"kind": "audit", "attrs": {"verb": "create", "dport": 8080}})"
            << "/steps/0/match/0/attrs/dport: events of kind \"audit\" have no attribute "
               "\"dport\" (they have: stage, verb, user, auditID, requestURI, resource, ";
        QTest::newRow("attribute of another kind")
            << "/steps/0/match/0"
            << R"({"kind": "packet", "attrs": {"orig.dport": 8080}})"
            << "/steps/0/match/0/attrs/orig.dport: events of kind \"packet\" have no attribute "
               "\"orig\" (they have: index, frame, interface, ";
        QTest::newRow("path into a number")
            << "/steps/0/match/0/attrs"
            << R"({"status.code": 200})"
            << "/steps/0/match/0/attrs/status.code: events of kind \"api\" have \"status\" as "
               "a number, with nothing inside: \"status.code\" never exists";
        QTest::newRow("absent attribute is no way out")
            << "/steps/0/match/0"
            << R"({"kind": "dns", "attrs": {"qname": {"exists": false}}})"
            << "/steps/0/match/0/attrs/qname: events of kind \"dns\" have no attribute "
               "\"qname\"";
        QTest::newRow("at_least on a string")
            << "/steps/0/match/0"
            << R"({"kind": "store", "attrs": {"revision": {"at_least": 5}}})"
            << "/steps/0/match/0/attrs/revision/at_least: events of kind \"store\" have "
               "\"revision\" as a string, never a number: at_least never matches";
        QTest::newRow("at_least on a list or a string")
            << "/steps/0/match/0"
            << R"({"kind": "syscall", "attrs": {"flags": {"at_least": 1}}})"
            << "/steps/0/match/0/attrs/flags/at_least: events of kind \"syscall\" have "
               "\"flags\" as a string or a list, never a number: at_least never matches";
        QTest::newRow("step without matchers")
            << "/steps/0/match"
            << "[]"
            << "/steps/0: a step of a runnable lesson needs at least one matcher";
        QTest::newRow("unknown action") << "/actions/0/do"
                                        << "\"dance\""
                                        << "/actions/0/do: unknown action \"dance\" (expected "
                                           "docker, http, reset-docker, image or kubectl)";
        QTest::newRow("kubectl to another server")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"get\", \"pods\", \"--server=https://example.com\"]}"
            << "/actions/0/args/2: a lesson's kubectl always talks to the lab's cluster; drop "
               "\"--server\"";
        QTest::newRow("kubectl -s glued to its value")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"-shttps://example.com\", \"get\", \"pods\"]}"
            << "/actions/0/args/0: a lesson's kubectl always talks to the lab's cluster";
        QTest::newRow("kubectl reading a host file")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"apply\", \"-f\", \"/etc/shadow\"]}"
            << "/actions/0/args/1: a lesson's kubectl reads manifests from stdin only";
        QTest::newRow("kubectl from-file")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"create\", \"configmap\", \"x\", \"--from-file=/etc/passwd\"]}"
            << "/actions/0/args/3: a lesson's kubectl reads no files from the host";
        QTest::newRow("kubectl config")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"config\", \"set\", \"clusters.lab.server\", \"https://x\"]}"
            << "/actions/0/args/0: kubectl config is not something a lesson may run";
        QTest::newRow("kubectl cp after a context")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"--context\", \"lab\", \"cp\", \"pod:/x\", \"/etc/x\"]}"
            << "/actions/0/args/2: kubectl cp is not something a lesson may run";
        QTest::newRow("an output no earlier action printed")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"delete\", \"pod\", \"{{victim}}\"]}"
            << "/actions/0/args/2: \"{{victim}}\" names no kubectl action run before this one";
        QTest::newRow("a key of another kind of action")
            << "/actions/0"
            << "{\"do\": \"docker\", \"args\": [\"ps\"], \"retry_for_ms\": 100}"
            << "/actions/0/retry_for_ms: a docker action takes no \"retry_for_ms\" (it takes args)";
        QTest::newRow("unknown level") << "/level" << "\"expert\""
                                       << "/level: unknown level \"expert\" (expected beginner, "
                                          "intermediate or advanced)";
        QTest::newRow("a Host header on two lines")
            << "/actions/0"
            << "{\"do\": \"http\", \"url\": \"http://192.168.56.110/\", \"host\": \"a.com\\r\\nX: y\"}"
            << "/actions/0/host: a Host header is one line";
        QTest::newRow("kubectl stdin not text")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"apply\", \"-f\", \"-\"], \"stdin\": 3}"
            << "/actions/0/stdin: expected a string or an array of lines";
        QTest::newRow("kubectl until with a bad test")
            << "/actions/0"
            << "{\"do\": \"kubectl\", \"args\": [\"get\", \"pods\"], \"until\": {\"near\": 1}}"
            << "/actions/0/until/near: unknown test \"near\"";
        QTest::newRow("until on a docker action")
            << "/actions/0"
            << "{\"do\": \"docker\", \"args\": [\"ps\"], \"until\": \"Up\"}"
            << "/actions/0/until: only a kubectl action takes \"until\"";
        QTest::newRow("http count too large")
            << "/actions/0"
            << "{\"do\": \"http\", \"url\": \"http://192.168.56.10:8080/\", \"count\": 1000000}"
            << "/actions/0/count: expected an integer from 1 to 100000";
        QTest::newRow("http count not a number")
            << "/actions/0"
            << "{\"do\": \"http\", \"url\": \"http://192.168.56.10:8080/\", \"count\": \"5k\"}"
            << "/actions/0/count: expected an integer from 1 to 100000";
        QTest::newRow("http parallel zero")
            << "/actions/0"
            << "{\"do\": \"http\", \"url\": \"http://192.168.56.10:8080/\", \"parallel\": 0}"
            << "/actions/0/parallel: expected an integer from 1 to 64";
        QTest::newRow("http retry not a number")
            << "/actions/0"
            << "{\"do\": \"http\", \"url\": \"http://192.168.56.10:8080/\", "
               "\"retry_for_ms\": 1.5}"
            << "/actions/0/retry_for_ms: expected an integer from 0 to 600000";
        QTest::newRow("count on a docker action") << "/actions/0/count"
                                                  << "3"
                                                  << "/actions/0/count: only an http action takes "
                                                     "\"count\"";
        QTest::newRow("docker without args") << "/actions/0/args"
                                             << "DELETE"
                                             << "/actions/0/args: missing required key";
        QTest::newRow("quiz answer out of range")
            << "/quiz"
            << "[{\"question\": \"q\", \"choices\": [\"x\", \"y\"], \"answer\": 2}]"
            << "/quiz/0/answer: answer 2 is not one of the 2 choices (0-based)";
        QTest::newRow("stage names an unknown component")
            << "/stage"
            << "{\"rows\": [{\"components\": [\"a\", \"z\"]}]}"
            << "/stage/rows/0/components/1: unknown component \"z\" (the lesson declares: a, b)";
        QTest::newRow("stage places a component twice")
            << "/stage"
            << "{\"rows\": [{\"components\": [\"a\"]}, {\"components\": [\"a\", \"b\"]}]}"
            << "/stage/rows/1/components/0: component \"a\" is already placed in another row";
        QTest::newRow("stage leaves a component out")
            << "/stage"
            << "{\"rows\": [{\"label\": \"top\", \"components\": [\"a\"]}]}"
            << "/stage/rows: component \"b\" is not placed in any row";
        QTest::newRow("unknown lab")
            << "/lab"
            << "\"moon\""
            << "/lab: unknown lab \"moon\" (expected docker, kube, or none for explain-only)";
        // Found by fuzz_lesson_loader: each of these threw out of the loader, or was read wrong.
        QTest::newRow("components not an array") << "/components"
                                                 << "{\"a\": 1}"
                                                 << "/components: expected an array, got object";
        QTest::newRow("step not an object") << "/steps/0"
                                            << "\"abc\""
                                            << "/steps/0: expected an object, got string";
        QTest::newRow("component label not a string")
            << "/components/0/label"
            << "5"
            << "/components/0/label: expected a string, got number";
        QTest::newRow("ignore_failure not a boolean")
            << "/actions/0/ignore_failure"
            << "\"yes\""
            << "/actions/0/ignore_failure: expected true or false";
        QTest::newRow("capture interfaces not an array")
            << "/capture"
            << "{\"interfaces\": 3}"
            << "/capture/interfaces: expected an array, got number";
        QTest::newRow("quiz answer 2^32, not 0")
            << "/quiz"
            << "[{\"question\": \"q\", \"choices\": [\"x\", \"y\"], \"answer\": 4294967296}]"
            << "/quiz/0/answer: answer 4294967296 is not one of the 2 choices (0-based)";
        QTest::newRow("format version 2^32 + 1, not 1")
            << "/flowlab_lesson"
            << "4294967297"
            << "/flowlab_lesson: unsupported lesson format 4294967297; this Flowlab reads format 1";
        QTest::newRow("summary test on a number")
            << "/steps/0/match/0/summary"
            << "5"
            << "/steps/0/match/0/summary: expected a string (a summary is matched by substring)";
        QTest::newRow("regex too long to compile safely")
            << "/steps/0/match/0/summary"
            << "{\"regex\": \"" + QString(1001, 'a') + "\"}"
            << "/steps/0/match/0/summary/regex: expected a regex of at most 1000 characters";
        QTest::newRow("snaplen 2^32 + 64, not 64")
            << "/capture"
            << "{\"snaplen\": 4294967360}"
            << "/capture/snaplen: expected a number of bytes, from 64 to 4294967295";
    }
    void badLessons()
    {
        QFETCH(QString, pointer);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        nlohmann::json lesson = minimalLesson();
        const nlohmann::json::json_pointer at(pointer.toStdString());
        if (value == "DELETE")
            lesson[at.parent_pointer()].erase(at.back());
        else
            lesson[at] = nlohmann::json::parse(value.toStdString());
        auto parsed = parseLesson(lesson.dump(), "lessons/t.json");
        QVERIFY(!parsed);
        const QString message = QString::fromStdString(parsed.error().message());
        QVERIFY2(message.startsWith("lessons/t.json: " + expected), qPrintable(message));
    }

    void kubectlActionKeepsItsWaitCondition()
    {
        nlohmann::json lesson = minimalLesson();
        lesson["actions"].push_back({{"id", "wait"},
                                     {"do", "kubectl"},
                                     {"args", {"get", "pods"}},
                                     {"until", {{"regex", "Running"}}},
                                     {"retry_for_ms", 30000},
                                     {"stdin", {"a: 1", "b: 2"}}});
        auto parsed = parseLesson(lesson.dump(), "lessons/t.json");
        QVERIFY2(parsed, parsed ? "" : parsed.error().message().c_str());
        const LessonAction &wait = parsed->actions.back();
        QCOMPARE(wait.kind, std::string("kubectl"));
        QVERIFY(wait.until);
        const nlohmann::json running = "web-1   1/1   Running", pending = "web-1  0/1  Pending";
        QVERIFY(wait.until->test(&running));
        QVERIFY(!wait.until->test(&pending));
    }

    // Only the lesson's actions run inside the capture; setup and cleanup have no window.
    void duringAnUntracedAction_data()
    {
        QTest::addColumn<QString>("phase");
        QTest::newRow("setup") << "setup";
        QTest::newRow("cleanup") << "cleanup";
    }
    void duringAnUntracedAction()
    {
        QFETCH(QString, phase);
        nlohmann::json lesson = minimalLesson();
        lesson[phase.toStdString()] = {{{"id", "tidy"}, {"do", "reset-docker"}}};
        lesson["steps"][0]["match"][0]["during"] = "tidy";
        auto parsed = parseLesson(lesson.dump(), "lessons/t.json");
        QVERIFY(!parsed);
        QCOMPARE(QString::fromStdString(parsed.error().message()),
                 "lessons/t.json: /steps/0/match/0/during: \"tidy\" is a " + phase +
                     " action, which is not traced (the lesson's actions are run)");
    }

    // Tests that can match: free-form attributes take any deeper path, numbers take at_least,
    // and log notes, which come from anywhere, take any attribute.
    void attributeTestsThatCanMatch_data()
    {
        QTest::addColumn<QString>("matcher");
        QTest::newRow("into an API body")
            << R"({"kind": "api", "attrs": {"body.HostConfig.PortBindings.80/tcp.0.HostPort": "8080"}})";
        QTest::newRow("into a conntrack tuple")
            << R"({"kind": "conntrack", "attrs": {"nat": "dnat", "orig.dport": 8080}})";
        QTest::newRow("an argv element") << R"({"kind": "command", "attrs": {"argv.1": "run"}})";
        QTest::newRow("at_least on a number")
            << R"({"kind": "packet", "attrs": {"len": {"at_least": 60}, "flags": "SYN"}})";
        QTest::newRow("at_least inside an object")
            << R"({"kind": "command", "attrs": {"statuses.200": {"at_least": 1}}})";
        QTest::newRow("an attribute that may be absent")
            << R"({"kind": "api", "attrs": {"error": {"exists": false}}})";
        QTest::newRow("a log note's own attribute")
            << R"({"kind": "log", "attrs": {"drops.kernel": 0}})";
        QTest::newRow("a store write")
            << R"({"kind": "store", "attrs": {"key": {"contains": )"
               R"("/deployments/"}, "revision": {"regex": "^[0-9]+$"}}})";
        QTest::newRow("a scheduling decision")
            << R"({"kind": "schedule", "attrs": {"chosen": "node1", "pod.name": "web"}})";
        QTest::newRow("a controller's decision")
            << R"({"kind": "reconcile", "attrs": {"controller": "deployment", "object.kind": )"
               R"("Deployment"}})";
        QTest::newRow("a CRI call") << R"({"kind": "grpc", "attrs": {"method": "RunPodSandbox", )"
                                       R"("request.config.metadata.name": "web"}})";
        QTest::newRow("a kube-proxy sync")
            << R"({"kind": "rule", "attrs": {"op": "sync", "service_ports": {"at_least": 1}}})";
        QTest::newRow("a cluster DNS answer")
            << R"({"kind": "dns", "attrs": {"dns_name": "web.default.svc.cluster.local", )"
               R"("dns_answers": {"contains": "A 10.43."}}})";
    }
    void attributeTestsThatCanMatch()
    {
        QFETCH(QString, matcher);
        nlohmann::json lesson = minimalLesson();
        lesson["steps"][0]["match"][0] = nlohmann::json::parse(matcher.toStdString());
        auto parsed = parseLesson(lesson.dump(), "lessons/t.json");
        QVERIFY2(parsed, parsed ? "" : parsed.error().message().c_str());
    }

    // kubectl's own go-templates are not output references; an earlier action's output is.
    void outputReferencesNameEarlierKubectlActions()
    {
        nlohmann::json lesson = minimalLesson();
        lesson["actions"].push_back({{"id", "pick"},
                                     {"do", "kubectl"},
                                     {"args", {"get", "svc", "x", "-o", "go-template={{.spec.clusterIP}}"}}});
        lesson["actions"].push_back(
            {{"id", "use"}, {"do", "kubectl"}, {"args", {"delete", "pod", "{{pick}}"}}});
        lesson["actions"].push_back({{"id", "visit"}, {"do", "http"}, {"url", "http://{{pick}}/"}});
        auto parsed = parseLesson(lesson.dump(), "lessons/t.json");
        QVERIFY2(parsed, parsed ? "" : parsed.error().message().c_str());
        QCOMPARE(outputPlaceholders("go-template={{.spec.clusterIP}} {{pick}}"),
                 std::vector<std::string>{"pick"});
    }

    void httpLoadParamsAreKept()
    {
        nlohmann::json lesson = minimalLesson();
        lesson["actions"].push_back({{"id", "load"},
                                     {"do", "http"},
                                     {"url", "http://192.168.56.10:8080/"},
                                     {"count", 5000},
                                     {"parallel", 4}});
        auto parsed = parseLesson(lesson.dump(), "lessons/t.json");
        QVERIFY2(parsed, parsed ? "" : parsed.error().message().c_str());
        QCOMPARE(parsed->actions.size(), std::size_t(2));
        QCOMPARE(parsed->actions[1].params.at("count").get<int>(), 5000);
        QCOMPARE(parsed->actions[1].params.at("parallel").get<int>(), 4);
    }

    // Benchmark lessons (tests/bench/*.json) are lessons too; they must not rot unseen.
    void benchLessonsLoad()
    {
        const QDir dir(QStringLiteral(FLOWLAB_SOURCE_DIR "/tests/bench"));
        const auto files = dir.entryList({"*.json"}, QDir::Files);
        QVERIFY(!files.isEmpty());
        for (const QString &name : files) {
            auto lesson = loadLesson(dir.filePath(name).toStdString());
            QVERIFY2(lesson, lesson ? "" : lesson.error().message().c_str());
        }
    }

    void unreadableDocumentsNameTheByte_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // the whole error after "<file>: byte "
        QTest::newRow("syntax error") << "{\"flowlab_lesson\": 1,\n \"id\": }"
                                      << "30: parse error at line 2, column 8: syntax error";
        // json::parse throws out_of_range, not parse_error, for these (found by fuzzing).
        QTest::newRow("number too large") << "{\"flowlab_lesson\": 1e999}"
                                          << "24: number overflow parsing '1e999'";
        // json::parse copes; copying the document would overflow the stack.
        QTest::newRow("nesting too deep")
            << "{\"topics\": " + QString(300, '[') + QString(300, ']') + "}"
            << "267: nested deeper than 256 arrays and objects";
    }
    void unreadableDocumentsNameTheByte()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        auto parsed = parseLesson(text.toStdString(), "lessons/broken.json");
        QVERIFY(!parsed);
        const QString message = QString::fromStdString(parsed.error().message());
        QVERIFY2(message.startsWith("lessons/broken.json: byte " + expected), qPrintable(message));
    }

    void missingFileIsClear()
    {
        auto parsed = loadLesson("/nonexistent/lesson.json");
        QVERIFY(!parsed);
        QVERIFY(parsed.error().message().find("/nonexistent/lesson.json") != std::string::npos);
    }

    void explainOnlyStepsNeedNoMatchers()
    {
        nlohmann::json lesson = minimalLesson();
        lesson["explain_only"] = "Docker on Windows cannot run on Linux";
        lesson["lab"] = "none";
        lesson["steps"][0].erase("match");
        auto parsed = parseLesson(lesson.dump(), "lessons/t.json");
        QVERIFY2(parsed, parsed ? "" : parsed.error().message().c_str());
        QCOMPARE(parsed->explainOnly, std::string("Docker on Windows cannot run on Linux"));
    }
};

QTEST_GUILESS_MAIN(TestLessonLoader)
#include "tst_lesson_loader.moc"
