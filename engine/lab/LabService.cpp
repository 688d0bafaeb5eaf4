#include "engine/lab/LabService.h"

#include <chrono>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

namespace flowlab {

std::string tailOfFile(const std::string &path, int lines)
{
    std::ifstream in(path);
    std::deque<std::string> last;
    std::string line;
    while (std::getline(in, line)) {
        last.push_back(line);
        if (int(last.size()) > lines)
            last.pop_front();
    }
    std::string text;
    for (const auto &l : last)
        text += "\n    " + l;
    return text;
}

Status makeDirectories(const std::string &dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return Error("mkdir -p " + dir + ": " + ec.message());
    return success();
}

Status writeTextFile(const std::string &path, const std::string &content)
{
    std::ofstream out(path, std::ios::trunc);
    out << content;
    out.flush();
    if (!out)
        return Error::fromErrno("writing " + path);
    return success();
}

Status writeServiceFiles(const std::vector<std::string> &dirs, const std::string &configPath,
                         const std::string &config)
{
    for (const auto &dir : dirs)
        if (auto s = makeDirectories(dir); !s)
            return s;
    return writeTextFile(configPath, config);
}

Status LabServiceStarter::start(const ServiceSpec &spec, const ProgressFn &progress)
{
    if (const ServiceRecord *record = m_state.service(spec.name)) {
        if (m_launcher.isRunning({record->pid, record->startTime}) && spec.isReady()) {
            progress(spec.name + " is already running (pid " + std::to_string(record->pid) + ")");
            return success();
        }
        // Recorded but gone or not answering: stop whatever is left and start afresh.
        (void)m_launcher.stop({record->pid, record->startTime}, SIGTERM, 3000);
    }

    progress("starting " + spec.name +
             (spec.launch.netns.empty() ? "" : " in " + spec.launch.netns));
    auto handle = m_launcher.launch(spec.launch);
    if (!handle)
        return handle.error().withContext("starting " + spec.name);
    m_state.setService(
        {spec.name, spec.launch.netns, handle->pid, handle->startTime, spec.launch.logPath});
    if (auto saved = m_saveState(); !saved)
        return saved;

    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + std::chrono::milliseconds(spec.readyTimeoutMs);
    auto nextNote = started + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!m_launcher.isRunning(*handle))
            return Error(spec.name + " exited during start-up; the end of its log " +
                         spec.launch.logPath + ":" + tailOfFile(spec.launch.logPath));
        if (spec.isReady())
            return success();
        if (std::chrono::steady_clock::now() > nextNote) {
            progress("still waiting for " + spec.name + " to answer");
            nextNote += std::chrono::seconds(5);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Error(spec.name + " did not answer within " +
                 std::to_string(spec.readyTimeoutMs / 1000) + " s; the end of its log " +
                 spec.launch.logPath + ":" + tailOfFile(spec.launch.logPath));
}

} // namespace flowlab
