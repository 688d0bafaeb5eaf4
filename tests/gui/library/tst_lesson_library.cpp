// The lesson library, offscreen: the catalog over lessons/ plus three fixtures (a Kubernetes
// lesson, an explain-only one and a broken one) says what runs here and why not; the tree
// groups by topic then level; the filter, the details, the buttons and Enter do what they say.

#include "../GuiTestSupport.h"
#include "app/desktop/library/LessonCatalog.h"
#include "app/desktop/library/LessonLibrary.h"
#include "app/desktop/theme/Theme.h"
#include "tracer/lesson/LessonLoader.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeView>

using namespace flowlab;

namespace {

// These tests pin what the catalog finds, so they scan a copy of lessons/docker-run.json on its
// own rather than lessons/, which grows with every lesson written.
const QString kSourceLessons = [] {
    static QTemporaryDir dir;
    QFile::copy(QStringLiteral(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json"),
                dir.filePath("docker-run.json"));
    return dir.path();
}();
const QString kFixtureLessons = QStringLiteral(FLOWLAB_SOURCE_DIR "/tests/gui/library/lessons");
const QString kDockerRun = kSourceLessons + "/docker-run.json";
const QString kKube = kFixtureLessons + "/kube-deployment.json";
const QString kWindows = kFixtureLessons + "/docker-on-windows.json";
const QString kBroken = kFixtureLessons + "/broken-kind.json";

LessonCatalog scannedCatalog(std::set<std::string> labs = {"docker", "kube"})
{
    LessonCatalog catalog(std::move(labs));
    catalog.scan({kSourceLessons.toStdString(), kFixtureLessons.toStdString()});
    return catalog;
}

// Every lesson row under `parent` (depth first), as the path it carries.
QStringList lessonPaths(const QAbstractItemModel *model, const QModelIndex &parent = {})
{
    QStringList paths;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        const QString path = index.data(LessonLibrary::PathRole).toString();
        if (!path.isEmpty())
            paths << path;
        paths << lessonPaths(model, index);
    }
    return paths;
}

QStringList childNames(const QAbstractItemModel *model, const QModelIndex &parent = {})
{
    QStringList names;
    for (int row = 0; row < model->rowCount(parent); ++row)
        names << model->index(row, 0, parent).data().toString();
    return names;
}

QModelIndex childNamed(const QAbstractItemModel *model, const QString &name,
                       const QModelIndex &parent = {})
{
    for (int row = 0; row < model->rowCount(parent); ++row)
        if (model->index(row, 0, parent).data().toString() == name)
            return model->index(row, 0, parent);
    return {};
}

struct ShownLibrary
{
    LessonLibrary library;
    QTreeView *tree = nullptr;
    QLineEdit *filter = nullptr;
    QTextBrowser *details = nullptr;
    QPushButton *run = nullptr;
    QPushButton *explain = nullptr;

    ShownLibrary()
    {
        library.setCatalog(scannedCatalog());
        library.resize(1100, 640);
        library.show();
        QApplication::setActiveWindow(&library);
        tree = library.findChild<QTreeView *>("lessonTree");
        filter = library.findChild<QLineEdit *>("lessonFilter");
        details = library.findChild<QTextBrowser *>("lessonDetails");
        run = library.findChild<QPushButton *>("runButton");
        explain = library.findChild<QPushButton *>("explainButton");
    }
    bool complete() const { return tree && filter && details && run && explain; }
};

} // namespace

class TestLessonLibrary : public QObject
{
    Q_OBJECT

private slots:
    void init() { ThemeManager::instance().apply(Theme::make(Theme::Scheme::Light, false)); }

    void catalogSaysWhetherEachLessonRunsHere_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("availability");
        QTest::addColumn<QString>("label");
        QTest::addColumn<QString>("reason");
        QTest::newRow("docker-run")
            << kDockerRun << int(LessonAvailability::RunsHere) << "runs here"
            << "";
        QTest::newRow("kube") << kKube << int(LessonAvailability::RunsHere) << "runs here" << "";
        QTest::newRow("explain-only")
            << kWindows << int(LessonAvailability::ExplainOnly) << "explain-only"
            << "Windows containers need a Windows kernel; Flowlab runs on Linux, so nothing "
               "here can be observed.";
        QTest::newRow("broken") << kBroken << int(LessonAvailability::Broken)
                                << "could not be loaded"
                                << "";
    }

    void catalogSaysWhetherEachLessonRunsHere()
    {
        QFETCH(QString, path);
        QFETCH(int, availability);
        QFETCH(QString, label);
        QFETCH(QString, reason);
        const LessonCatalog catalog = scannedCatalog();
        QCOMPARE(catalog.problems(), std::vector<std::string>{});
        QCOMPARE(catalog.entries().size(), std::size_t(4));
        const CatalogEntry *entry = catalog.find(path.toStdString());
        QVERIFY2(entry, qPrintable(path + " is not in the catalog"));
        QCOMPARE(int(entry->availability), availability);
        QCOMPARE(QString::fromStdString(entry->availabilityLabel()), label);
        if (!reason.isEmpty())
            QCOMPARE(QString::fromStdString(entry->reason), reason);
        QCOMPARE(entry->canRun(), availability == int(LessonAvailability::RunsHere));
        QCOMPARE(entry->canExplain(), availability != int(LessonAvailability::Broken));
        QCOMPARE(entry->lesson.has_value(), availability != int(LessonAvailability::Broken));
    }

    void brokenLessonKeepsTheLoadersMessage()
    {
        const LessonCatalog catalog = scannedCatalog();
        const CatalogEntry *entry = catalog.find(kBroken.toStdString());
        QVERIFY(entry);
        QVERIFY(entry->broken());
        const QString reason = QString::fromStdString(entry->reason);
        QVERIFY2(reason.startsWith(kBroken + ": /steps/0/match/0/kind: "), qPrintable(reason));
        QVERIFY2(reason.contains("\"sycall\""), qPrintable(reason));
        QCOMPARE(QString::fromStdString(entry->displayTitle()), QString("broken-kind.json"));
    }

    void unreadableFilesAndDirectoriesAreReportedNotDropped()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile half(dir.filePath("half-written.json"));
        QVERIFY(half.open(QIODevice::WriteOnly));
        half.write("{ \"flowlab_lesson\": 1, \"id\": ");
        half.close();
        QFile notes(dir.filePath("notes.txt"));
        QVERIFY(notes.open(QIODevice::WriteOnly));
        notes.write("not a lesson");
        notes.close();

        LessonCatalog catalog;
        const std::string missing = dir.filePath("no-such-dir").toStdString();
        catalog.scan({missing, dir.path().toStdString()});
        QCOMPARE(catalog.problems().size(), std::size_t(1));
        QVERIFY2(catalog.problems()[0].find(missing) != std::string::npos,
                 catalog.problems()[0].c_str());
        QCOMPARE(catalog.entries().size(), std::size_t(1)); // notes.txt is not a lesson
        const CatalogEntry &entry = catalog.entries()[0];
        QVERIFY(entry.broken());
        QVERIFY2(entry.reason.find(dir.filePath("half-written.json").toStdString()) == 0,
                 entry.reason.c_str());
        QVERIFY2(entry.reason.find("parse error") != std::string::npos, entry.reason.c_str());

        // Fixed on disk, it loads on the next scan.
        QFile::remove(dir.filePath("half-written.json"));
        QVERIFY(QFile::copy(kWindows, dir.filePath("half-written.json")));
        catalog.rescan();
        QCOMPARE(catalog.entries().size(), std::size_t(1));
        QCOMPARE(int(catalog.entries()[0].availability), int(LessonAvailability::ExplainOnly));
    }

    void theSupportedLabsDecideWhatRuns()
    {
        const LessonCatalog catalog = scannedCatalog({"docker"});
        QCOMPARE(int(catalog.find(kKube.toStdString())->availability),
                 int(LessonAvailability::NeedsLab));
        QCOMPARE(catalog.find(kKube.toStdString())->reason, std::string("kube"));
        const LessonCatalog none = scannedCatalog({});
        QCOMPARE(int(none.find(kDockerRun.toStdString())->availability),
                 int(LessonAvailability::NeedsLab));
        QCOMPARE(none.find(kDockerRun.toStdString())->reason, std::string("docker"));
    }

    void defaultDirectoriesAreTheLessonsThenTheUsers()
    {
        const QByteArray savedHome = qgetenv("HOME");
        const QByteArray savedXdg = qgetenv("XDG_DATA_HOME");
        const QByteArray savedDir = qgetenv("FLOWLAB_LESSONS_DIR");
        QTemporaryDir home;
        qputenv("HOME", home.path().toLocal8Bit());
        qunsetenv("XDG_DATA_HOME");
        qunsetenv("FLOWLAB_LESSONS_DIR");

        std::vector<std::string> dirs = LessonCatalog::defaultDirectories();
        QCOMPARE(dirs.size(), std::size_t(1)); // no user lessons yet
        QVERIFY2(QFile::exists(QString::fromStdString(dirs[0]) + "/docker-run.json"),
                 dirs[0].c_str());

        QVERIFY(QDir().mkpath(home.filePath(".local/share/flowlab/lessons")));
        qputenv("FLOWLAB_LESSONS_DIR", kFixtureLessons.toLocal8Bit());
        dirs = LessonCatalog::defaultDirectories();
        QCOMPARE(dirs.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(dirs[0]), kFixtureLessons);
        QCOMPARE(QString::fromStdString(dirs[1]), home.filePath(".local/share/flowlab/lessons"));

        qputenv("HOME", savedHome);
        savedXdg.isNull() ? qunsetenv("XDG_DATA_HOME") : qputenv("XDG_DATA_HOME", savedXdg);
        savedDir.isNull() ? qunsetenv("FLOWLAB_LESSONS_DIR")
                          : qputenv("FLOWLAB_LESSONS_DIR", savedDir);
    }

    void treeGroupsByTopicThenLevel()
    {
        ShownLibrary shown;
        QVERIFY(shown.complete());
        const QAbstractItemModel *model = shown.tree->model();

        // Topics in alphabetical order, broken files in their own group at the end.
        const QStringList topics = childNames(model);
        QVERIFY2(topics.contains("docker") && topics.contains("kubernetes") &&
                     topics.contains("nat") && topics.contains("windows"),
                 qPrintable(topics.join(", ")));
        QStringList sorted = topics.mid(0, topics.size() - 1);
        std::sort(sorted.begin(), sorted.end(),
                  [](const QString &a, const QString &b) { return a.compare(b) < 0; });
        QCOMPARE(topics.mid(0, topics.size() - 1), sorted);
        QCOMPARE(topics.last(), QString("Could not be loaded"));
        QCOMPARE(lessonPaths(model, childNamed(model, "Could not be loaded")),
                 QStringList{kBroken});

        // Under "docker": beginner before advanced, each holding its lesson.
        const QModelIndex docker = childNamed(model, "docker");
        QCOMPARE(childNames(model, docker), (QStringList{"beginner", "advanced"}));
        QCOMPARE(lessonPaths(model, childNamed(model, "beginner", docker)),
                 QStringList{kDockerRun});
        QCOMPARE(lessonPaths(model, childNamed(model, "advanced", docker)), QStringList{kWindows});
        QCOMPARE(docker.siblingAtColumn(1).data().toString(), QString("2 lessons"));

        // A lesson is listed under each of its topics.
        const auto dockerRun = loadLesson(kDockerRun.toStdString());
        QVERIFY(dockerRun);
        QCOMPARE(lessonPaths(model).count(kDockerRun), int(dockerRun->topics.size()));
        QCOMPARE(lessonPaths(model).count(kKube), 2); // kubernetes, scheduling

        // The second column says whether it runs here.
        const QModelIndex kubeLevel =
            childNamed(model, "intermediate", childNamed(model, "kubernetes"));
        QCOMPARE(model->index(0, 1, kubeLevel).data().toString(), QString("runs here"));
    }

    void filterMatchesTitleSummaryAndTopic_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("lessons");
        QTest::newRow("title") << "docker run -p" << QStringList{kDockerRun};
        QTest::newRow("summary, any case")
            << "WALKED THROUGH WITHOUT EVIDENCE" << QStringList{kWindows};
        QTest::newRow("topic") << "scheduling" << QStringList{kKube};
        QTest::newRow("nothing") << "no lesson says this" << QStringList{};
    }

    void filterMatchesTitleSummaryAndTopic()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, lessons);
        ShownLibrary shown;
        QVERIFY(shown.complete());
        shown.filter->setFocus();
        QTest::keyClicks(shown.filter, text);
        QStringList visible = lessonPaths(shown.tree->model());
        visible.removeDuplicates();
        QCOMPARE(visible, lessons);
        if (lessons.isEmpty()) {
            QVERIFY(shown.library.selectedPath().isEmpty());
            QVERIFY2(shown.details->toPlainText().contains("No lesson matches"),
                     qPrintable(shown.details->toPlainText()));
            QVERIFY(!shown.run->isEnabled());
            QVERIFY(!shown.explain->isEnabled());
        } else {
            // The first match is chosen, so Enter acts on what is shown.
            QCOMPARE(shown.library.selectedPath(), lessons.first());
        }
        // Escape in the filter box brings every lesson back.
        QTest::keyClick(shown.filter, Qt::Key_Escape);
        QVERIFY(shown.filter->text().isEmpty());
        visible = lessonPaths(shown.tree->model());
        visible.removeDuplicates();
        QCOMPARE(visible.size(), 4);
    }

    void detailsAndButtonsFollowTheSelection_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("runs");
        QTest::addColumn<bool>("explains");
        QTest::addColumn<QStringList>("shown");
        QTest::newRow("docker-run")
            << kDockerRun << true << true << QStringList{"docker run -p 8080:80 nginx",
                                                         "runs here",
                                                         "beginner",
                                                         "Steps\n10",
                                                         "from the command you type",
                                                         "namespaces, networking"};
        QTest::newRow("kube") << kKube << true << true
                              << QStringList{"runs here", "intermediate", "Steps\n2",
                                             "Quiz\n1 question"};
        QTest::newRow("explain-only")
            << kWindows << false << true
            << QStringList{"explain-only", "Explain-only: Windows containers need a Windows kernel",
                           "advanced", "Lab\nnone"};
        QTest::newRow("broken") << kBroken << false << false
                                << QStringList{"could not be loaded",
                                               "broken-kind.json: /steps/0/match/0/kind"};
    }

    void detailsAndButtonsFollowTheSelection()
    {
        QFETCH(QString, path);
        QFETCH(bool, runs);
        QFETCH(bool, explains);
        QFETCH(QStringList, shown);
        ShownLibrary library;
        QVERIFY(library.complete());
        QVERIFY(library.library.selectLesson(path));
        QCOMPARE(library.library.selectedPath(), path);
        QCOMPARE(library.run->isEnabled(), runs);
        QCOMPARE(library.explain->isEnabled(), explains);
        const QString details = library.details->toPlainText();
        for (const QString &text : shown)
            QVERIFY2(details.contains(text), qPrintable("\"" + text + "\" not in:\n" + details));
        QVERIFY(details.contains(path));
    }

    void buttonsAndEnterAskToRunOrExplain()
    {
        ShownLibrary shown;
        QVERIFY(shown.complete());
        QSignalSpy run(&shown.library, &LessonLibrary::runRequested);
        QSignalSpy explain(&shown.library, &LessonLibrary::explainRequested);

        QVERIFY(shown.library.selectLesson(kDockerRun));
        QTest::mouseClick(shown.run, Qt::LeftButton);
        QCOMPARE(run.size(), 1);
        QCOMPARE(run.takeFirst().at(0).toString(), kDockerRun);
        QTest::mouseClick(shown.explain, Qt::LeftButton);
        QCOMPARE(explain.size(), 1);
        QCOMPARE(explain.takeFirst().at(0).toString(), kDockerRun);
        // Enter runs what runs here...
        shown.tree->setFocus();
        QTest::keyClick(shown.tree, Qt::Key_Return);
        QCOMPARE(run.size(), 1);
        QCOMPARE(run.takeFirst().at(0).toString(), kDockerRun);

        // ...and explains the rest; their Run button does nothing.
        for (const QString &path : {kWindows}) {
            QVERIFY(shown.library.selectLesson(path));
            QTest::mouseClick(shown.run, Qt::LeftButton);
            QCOMPARE(run.size(), 0);
            QTest::keyClick(shown.tree, Qt::Key_Enter);
            QCOMPARE(explain.size(), 1);
            QCOMPARE(explain.takeFirst().at(0).toString(), path);
        }
        // A broken lesson can be neither.
        QVERIFY(shown.library.selectLesson(kBroken));
        QTest::keyClick(shown.tree, Qt::Key_Return);
        QTest::mouseClick(shown.explain, Qt::LeftButton);
        QCOMPARE(run.size() + explain.size(), 0);
    }

    void keyboardOnlyFromFilterToRun()
    {
        ShownLibrary shown;
        QVERIFY(shown.complete());
        QVERIFY(QTest::qWaitForWindowActive(&shown.library));
        QSignalSpy run(&shown.library, &LessonLibrary::runRequested);
        QSignalSpy explain(&shown.library, &LessonLibrary::explainRequested);

        // Ctrl+F, type, Enter: the first match starts.
        shown.tree->setFocus();
        QTest::keyClick(shown.tree, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(shown.filter->hasFocus());
        QTest::keyClicks(shown.filter, "windows");
        QTest::keyClick(shown.filter, Qt::Key_Return);
        QCOMPARE(explain.size(), 1);
        QCOMPARE(explain.takeFirst().at(0).toString(), kWindows);

        // Down moves into the list, where the arrows walk the lessons.
        QTest::keyClick(shown.filter, Qt::Key_Escape);
        QTest::keyClick(shown.filter, Qt::Key_Down);
        QVERIFY(shown.tree->hasFocus());
        QVERIFY(shown.library.selectLesson(kDockerRun));
        QTest::keyClick(shown.tree, Qt::Key_Return);
        QCOMPARE(run.size(), 1);
    }

    void screenshots()
    {
        ShownLibrary shown;
        QVERIFY(shown.complete());
        QVERIFY(shown.library.selectLesson(kDockerRun));
        test::saveScreenshot(&shown.library, "library-docker-run");
        QVERIFY(shown.library.selectLesson(kWindows));
        test::saveScreenshot(&shown.library, "library-explain-only");
        QVERIFY(shown.library.selectLesson(kBroken));
        test::saveScreenshot(&shown.library, "library-broken");

        // Presenter mode, dark: the colours and type follow the theme.
        ThemeManager::instance().apply(Theme::make(Theme::Scheme::Dark, true));
        QCoreApplication::processEvents(); // Qt posts the palette change to existing widgets
        QCOMPARE(shown.library.selectedPath(), kBroken); // kept across the repaint
        QVERIFY(shown.library.selectLesson(kKube));
        shown.library.resize(1600, 900);
        test::saveScreenshot(&shown.library, "library-presenter-dark");
    }
};

QTEST_MAIN(TestLessonLibrary)
#include "tst_lesson_library.moc"
