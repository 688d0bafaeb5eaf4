// Lesson files: the real ones load; bad ones get errors naming the file and the JSON pointer.

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
               "component, node, summary, attrs, during or role)";
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
            << "/steps/0/match/0/during: no action has the id \"later\"";
        QTest::newRow("step without matchers")
            << "/steps/0/match"
            << "[]"
            << "/steps/0: a step of a runnable lesson needs at least one matcher";
        QTest::newRow("unknown action") << "/actions/0/do"
                                        << "\"dance\""
                                        << "/actions/0/do: unknown action \"dance\" (expected "
                                           "docker, http, reset-docker or image)";
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

    void syntaxErrorNamesTheByte()
    {
        auto parsed = parseLesson("{\"flowlab_lesson\": 1,\n \"id\": }", "lessons/broken.json");
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message().rfind("lessons/broken.json: byte ", 0) == 0,
                 parsed.error().message().c_str());
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
