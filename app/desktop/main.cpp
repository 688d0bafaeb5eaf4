// flowlab: the desktop app. It runs as the user and talks to flowlabd over its socket.

#include "app/desktop/MainWindow.h"
#include "engine/base/LabPaths.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("flowlab");
    QApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Flowlab: a step-through tracer of container and request flows.\n"
        "The app runs as your user and talks to flowlabd (root) over its socket.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);

    flowlab::MainWindow window(flowlab::LabPaths::fromEnvironment().daemonSocket());
    window.show();
    return app.exec();
}
