// flowlab: the desktop app. It runs as the user and talks to flowlabd over its socket.
//
// Besides the window, a few options make it scriptable for handouts and CI:
//   flowlab --open BUNDLE [--step N] [--screenshot FILE]
//   flowlab --open BUNDLE --export-slides DIR
//   flowlab --run LESSON --quit-when-done [--screenshot FILE]

#include "app/desktop/MainWindow.h"
#include "app/desktop/diagram/FlowScene.h"
#include "app/desktop/export/DiagramExport.h"
#include "app/desktop/model/EventLabel.h"
#include "app/desktop/model/Walkthrough.h"
#include "engine/base/LabPaths.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTimer>
#include <cstdio>
#include <cstring>

namespace {

constexpr const char *kDescription =
    R"(Flowlab: a step-through tracer of container and request flows.

The app runs as your user and talks to flowlabd (root) over its socket; your user must be
in group flowlab. Without options it opens the lesson library.

Keys in a walkthrough: Space play/pause, Left/Right previous/next step, Home/End first/last
step, Ctrl+G jump to a step, Q quiz, F5 presenter mode, F1 all shortcuts.

Without a display (DISPLAY and WAYLAND_DISPLAY unset), --open and --run tell the
walkthrough as text and write its slides next to the bundle.

Scripting (works without a display; the exit status is 0 on success):
  flowlab --open BUNDLE --step 8 --screenshot step8.png
  flowlab --open BUNDLE --export-slides handout/
  flowlab --run lessons/docker-run.json --quit-when-done
    (exit status 1 when a step was not observed, 2 on an error))";

int fail(const QString &message, int status = 2);

// Scripted runs need no display: choose the offscreen platform before Qt starts, unless the
// user chose one. Returns true when there is no display at all and the user did not script
// the run: then the walkthrough is told as text (and written as slides) instead.
bool preferOffscreen(int argc, char **argv)
{
    if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        return false;
    const bool display =
        qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
    if (display)
        return false;
    qputenv("QT_QPA_PLATFORM", "offscreen");
    for (int i = 1; i < argc; ++i)
        for (const char *flag : {"--screenshot", "--export-slides", "--help", "-h", "--version"})
            if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0)
                return false;
    return true;
}

// The walkthrough without a screen: every step with its hop, its status and its evidence.
int tellWalkthrough(const flowlab::Walkthrough &walkthrough, const QString &slidesDir)
{
    const flowlab::Lesson &lesson = walkthrough.lesson();
    using flowlab::StepState;
    using flowlab::TraceOrigin;
    const TraceOrigin origin = walkthrough.origin();
    std::printf("%s: %d of %d steps observed%s\n\n", lesson.title.c_str(),
                walkthrough.observedCount(), walkthrough.stepCount(),
                origin == TraceOrigin::Recording ? " (recording)"
                : origin == TraceOrigin::Synthetic
                    ? " (SYNTHETIC: made-up events, nothing captured)"
                : origin == TraceOrigin::ExplainOnly ? " (explain-only: nothing was run)"
                                                     : "");
    for (int i = 0; i < walkthrough.stepCount(); ++i) {
        const flowlab::WalkthroughStep &step = walkthrough.step(i);
        const char *status = "explained";
        switch (step.state) {
        case StepState::Observed:
            status = "observed";
            break;
        case StepState::SeenSoFar:
            status = "seen so far";
            break;
        case StepState::Waiting:
            status = "waiting";
            break;
        case StepState::Missing:
            status = "NOT OBSERVED";
            break;
        case StepState::Synthetic:
            status = "SYNTHETIC match";
            break;
        case StepState::Explained:
            break;
        }
        std::printf("%2d/%d  %s  [%s]\n", i + 1, walkthrough.stepCount(),
                    step.lessonStep->title.c_str(), status);
        // What travelled, as captured; the lesson's label only as the expectation.
        const std::string hop = step.keyEvent() ? flowlab::eventLabel(*step.keyEvent())
                                                : "(expected) " + step.lessonStep->label;
        std::printf("       %s → %s: %s\n", step.lessonStep->from.c_str(),
                    step.lessonStep->to.c_str(), hop.c_str());
        for (const flowlab::StepEvidence &evidence : step.evidence) {
            std::printf("       evidence (%s): %s\n", evidence.role.c_str(),
                        evidence.event->summary.substr(0, 160).c_str());
            break; // the first is the key; the rest are in the bundle
        }
        if (step.result)
            for (const std::string &missing : step.result->missing)
                std::printf("       not seen: %s\n", missing.c_str());
    }
    auto slides = flowlab::exportSlides(walkthrough, slidesDir);
    if (!slides)
        return fail(QString::fromStdString(slides.error().message()));
    std::printf("\nNo display here, so the walkthrough was told as text. Slides of every step: "
                "%s/index.html\nOn a desktop, `flowlab --open BUNDLE` steps through it.\n",
                qPrintable(slidesDir));
    return walkthrough.observedCount() == walkthrough.stepCount() ? 0 : 1;
}

int fail(const QString &message, int status)
{
    std::fprintf(stderr, "flowlab: %s\n", qPrintable(message));
    return status;
}

bool saveScreenshot(flowlab::MainWindow &window, const QString &path)
{
    window.scene()->finishAnimation();
    QCoreApplication::processEvents();
    if (!window.grab().save(path)) {
        fail(path + ": cannot write the screenshot there");
        return false;
    }
    std::printf("screenshot: %s\n", qPrintable(path));
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    const bool headless = preferOffscreen(argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName("flowlab");
    QApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(kDescription);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption open("open", "Open a recorded bundle (a directory with trace.json).",
                                  "BUNDLE");
    const QCommandLineOption lesson("lesson", "Walk through a lesson file without running it.",
                                    "LESSON");
    const QCommandLineOption run("run", "Run a lesson for real in the lab, through flowlabd.",
                                 "LESSON");
    const QCommandLineOption step("step", "Show step N (1-based) of the opened bundle or lesson.",
                                  "N");
    const QCommandLineOption screenshot(
        "screenshot", "Save the window as a PNG, then quit (after --run: when the run ends).",
        "FILE");
    const QCommandLineOption slides(
        "export-slides", "Export every step as slides (PNG, SVG, index.html) into DIR, then quit.",
        "DIR");
    const QCommandLineOption quitWhenDone("quit-when-done",
                                          "With --run: quit when the run ends, with its status.");
    const QCommandLineOption theme("theme", "light (default) or dark.", "NAME", "light");
    const QCommandLineOption presenter("presenter", "Presenter mode: large type, high contrast.");
    const QCommandLineOption size("size", "Window size, e.g. 1920x1080 (useful for screenshots).",
                                  "WxH");
    const QCommandLineOption socket("socket", "flowlabd's socket (default: the lab's).", "PATH");
    parser.addOptions({open, lesson, run, step, screenshot, slides, quitWhenDone, theme, presenter,
                       size, socket});
    parser.process(app);

    if (parser.isSet(open) + parser.isSet(lesson) + parser.isSet(run) > 1)
        return fail("use one of --open, --lesson and --run");
    if (parser.isSet(slides) && !parser.isSet(open) && !parser.isSet(lesson))
        return fail("--export-slides needs --open BUNDLE or --lesson LESSON");
    if (parser.isSet(theme) && parser.value(theme) != "light" && parser.value(theme) != "dark")
        return fail("--theme: unknown theme \"" + parser.value(theme) + "\" (light or dark)");

    const std::string socketPath = parser.isSet(socket)
                                       ? parser.value(socket).toStdString()
                                       : flowlab::LabPaths::fromEnvironment().daemonSocket();
    flowlab::MainWindow window(socketPath);
    window.setScheme(parser.value(theme) == "dark" ? flowlab::Theme::Scheme::Dark
                                                   : flowlab::Theme::Scheme::Light);
    if (parser.isSet(presenter))
        window.setPresenterMode(true);
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split('x');
        bool okW = false, okH = false;
        const int w = wh.value(0).toInt(&okW), h = wh.value(1).toInt(&okH);
        if (wh.size() != 2 || !okW || !okH || w < 320 || h < 240)
            return fail("--size: expected WIDTHxHEIGHT, e.g. 1920x1080, not \"" +
                        parser.value(size) + "\"");
        window.resize(w, h);
    }

    if (parser.isSet(open) || parser.isSet(lesson)) {
        const flowlab::Status opened = parser.isSet(open)
                                           ? window.openBundle(parser.value(open))
                                           : window.explainLesson(parser.value(lesson));
        if (!opened)
            return fail(QString::fromStdString(opened.error().message()));
    }
    if (parser.isSet(step)) {
        bool ok = false;
        const int n = parser.value(step).toInt(&ok);
        const int total = window.walkthrough() ? window.walkthrough()->stepCount() : 0;
        if (!window.walkthrough())
            return fail("--step needs --open BUNDLE or --lesson LESSON");
        if (!ok || n < 1 || n > total)
            return fail(QString("--step %1: the lesson has steps 1 to %2")
                            .arg(parser.value(step))
                            .arg(total));
        window.showStep(n - 1);
    }

    if (parser.isSet(slides)) {
        const QString dir = parser.value(slides);
        auto exported = flowlab::exportSlides(*window.walkthrough(), dir, [](const std::string &l) {
            std::printf("  · %s\n", l.c_str());
        });
        if (!exported)
            return fail(QString::fromStdString(exported.error().message()));
        std::printf("%d slides in %s/index.html\n", *exported, qPrintable(dir));
        return 0;
    }

    if (headless && window.walkthrough() && !parser.isSet(run)) {
        const QString bundleDir = QString::fromStdString(window.walkthrough()->bundleDir());
        return tellWalkthrough(*window.walkthrough(),
                               (bundleDir.isEmpty() ? QStringLiteral(".") : bundleDir) + "/slides");
    }
    if (headless && !parser.isSet(run)) {
        std::fprintf(stderr, "flowlab: no display (DISPLAY and WAYLAND_DISPLAY are unset). "
                             "Open a bundle to have it told as text (--open BUNDLE), or see "
                             "--help for scripting.\n");
        return 2;
    }

    window.show();
    if (parser.isSet(screenshot) && !parser.isSet(run)) {
        // One turn of the event loop so the docks and the diagram have their sizes.
        QTimer::singleShot(0, &window, [&] {
            QCoreApplication::exit(saveScreenshot(window, parser.value(screenshot)) ? 0 : 2);
        });
    }
    if (parser.isSet(run)) {
        QObject::connect(
            &window, &flowlab::MainWindow::liveRunFinished, &app,
            [&](int status, const QString &message) {
                std::printf("%s\n", qPrintable(message));
                std::fflush(stdout);
                if (headless && window.walkthrough())
                    return QCoreApplication::exit(tellWalkthrough(
                        *window.walkthrough(),
                        QDir::currentPath() + "/flowlab-slides-" +
                            QString::fromStdString(window.walkthrough()->lesson().id)));
                if (!parser.isSet(quitWhenDone) && !parser.isSet(screenshot))
                    return;
                if (parser.isSet(screenshot) && !saveScreenshot(window, parser.value(screenshot)))
                    return QCoreApplication::exit(2);
                QCoreApplication::exit(status);
            });
        QTimer::singleShot(0, &window, [&] { window.runLessonLive(parser.value(run)); });
    }
    return app.exec();
}
