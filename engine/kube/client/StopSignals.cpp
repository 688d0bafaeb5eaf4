#include "engine/kube/client/StopSignals.h"

#include <QSocketNotifier>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace flowlab::kube {

namespace {

int g_stopPipe[2] = {-1, -1};

void onStopSignal(int)
{
    const char byte = 1;
    (void)!::write(g_stopPipe[1], &byte, 1);
}

} // namespace

Status quitOnStopSignals(QCoreApplication &app, std::function<void()> beforeQuit)
{
    if (::pipe2(g_stopPipe, O_CLOEXEC) != 0)
        return Error::fromErrno("pipe2");
    auto *notifier = new QSocketNotifier(g_stopPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app,
                     [&app, beforeQuit = std::move(beforeQuit)] {
                         if (beforeQuit)
                             beforeQuit();
                         else
                             spdlog::info("stopping");
                         app.quit();
                     });
    std::signal(SIGTERM, onStopSignal);
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGPIPE, SIG_IGN);
    return success();
}

} // namespace flowlab::kube
