#include "tracer/syscalls/SyscallTracer.h"

#include "tracer/model/EventLog.h"
#include "tracer/syscalls/ProcessIdentity.h"
#include "tracer/syscalls/SeccompFilter.h"
#include "tracer/syscalls/TraceSession.h"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fcntl.h>
#include <future>
#include <limits.h>
#include <map>
#include <mutex>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace flowlab {

namespace {

// No PTRACE_O_TRACEEXIT: it costs one more stop per exiting thread and tells nothing that the
// wait status does not; cgroup read-backs and unfinished syscalls are flushed at the reap.
constexpr int kTracerNice = -10;

constexpr long kTraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                               PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP |
                               PTRACE_O_EXITKILL;
constexpr auto kLaunchTimeout = std::chrono::seconds(30);
constexpr auto kWakeRetry = std::chrono::milliseconds(5);
constexpr auto kShutdownReapLimit = std::chrono::seconds(5);
constexpr unsigned kCloseRangeCloexec = 1U << 2; // CLOSE_RANGE_CLOEXEC, linux/close_range.h
constexpr int kCloneNewNet = 0x40000000;

extern "C" void ignoreWakeSignal(int) {}

// The real-time signal that interrupts the tracer thread's waitpid. Chosen once per process:
// the first SIGRTMIN+n (n >= 4, leaving the low ones to others) with no handler yet.
int wakeSignal()
{
    static const int signal = [] {
        for (int candidate = SIGRTMIN + 4; candidate <= SIGRTMAX; ++candidate) {
            struct sigaction current
            {
            };
            if (::sigaction(candidate, nullptr, &current) != 0 || current.sa_handler != SIG_DFL)
                continue;
            struct sigaction action
            {
            };
            action.sa_handler = ignoreWakeSignal;
            sigemptyset(&action.sa_mask);
            action.sa_flags = 0; // no SA_RESTART: waitpid must return EINTR
            if (::sigaction(candidate, &action, nullptr) == 0)
                return candidate;
        }
        return 0;
    }();
    return signal;
}

// Where the child failed before exec, reported through a pipe that exec closes.
enum class ChildStep : int { Setns = 1, Chdir, Stdio, Seccomp, Stop, Execve };

struct ChildFailure
{
    ChildStep step;
    int errnum;
};

std::string describe(ChildStep step, const std::string &path, const std::string &netns,
                     const std::string &dir)
{
    switch (step) {
    case ChildStep::Setns:
        return "setns " + netns;
    case ChildStep::Chdir:
        return "chdir " + dir;
    case ChildStep::Stdio:
        return "dup2 (stdio to the log)";
    case ChildStep::Seccomp:
        return "prctl PR_SET_SECCOMP";
    case ChildStep::Stop:
        return "kill SIGSTOP";
    case ChildStep::Execve:
        return "execve " + path;
    }
    return "starting";
}

// The program to exec, as an absolute path: the child changes directory before exec.
std::string findInPath(const std::string &name)
{
    if (name.starts_with('/'))
        return name;
    if (name.find('/') != std::string::npos) {
        char cwd[PATH_MAX];
        const std::string relative = name.starts_with("./") ? name.substr(2) : name;
        return ::getcwd(cwd, sizeof cwd) ? std::string(cwd) + "/" + relative : name;
    }
    const char *pathEnv = std::getenv("PATH");
    const std::string path = pathEnv ? pathEnv : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find(':', start);
        if (end == std::string::npos)
            end = path.size();
        const std::string candidate = path.substr(start, end - start) + "/" + name;
        if (end > start && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        start = end + 1;
    }
    return name; // execve reports ENOENT with the name the caller gave
}

// Everything the child needs, prepared before fork: after it only async-signal-safe calls.
struct LaunchPlan
{
    std::string path;
    std::vector<std::string> argvStrings;
    std::vector<std::string> envStrings;
    std::vector<char *> argv;
    std::vector<char *> envp;
    std::string netnsPath;
    std::string workingDir;
    std::string node;
    int netnsFd = -1;
    int logFd = -1;
    int devNullFd = -1;
    int nice = 0; // the daemon's: the tracer thread's raised priority is not passed on

    LaunchPlan() = default;
    LaunchPlan(const LaunchPlan &) = delete;
    LaunchPlan &operator=(const LaunchPlan &) = delete;
    ~LaunchPlan()
    {
        for (const int fd : {netnsFd, logFd, devNullFd})
            if (fd >= 0)
                ::close(fd);
    }

    std::string context() const
    {
        return "starting " + path + (netnsPath.empty() ? "" : " in " + netnsPath) + " traced";
    }
};

Result<std::unique_ptr<LaunchPlan>> preparePlan(const TracedLaunch &launch)
{
    if (launch.argv.empty())
        return Error("launch: empty command line");
    auto plan = std::make_unique<LaunchPlan>();
    plan->path = findInPath(launch.argv[0]);
    plan->argvStrings = launch.argv;
    plan->netnsPath = launch.netnsPath;
    plan->workingDir = launch.workingDir.empty() ? "/" : launch.workingDir;
    errno = 0;
    if (const int nice = ::getpriority(PRIO_PROCESS, ::id_t(::getpid())); errno == 0)
        plan->nice = nice;
    plan->node = launch.node;
    plan->envStrings.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (const auto &[key, value] : launch.env)
        plan->envStrings.push_back(key + "=" + value);
    for (auto &arg : plan->argvStrings)
        plan->argv.push_back(arg.data());
    plan->argv.push_back(nullptr);
    for (auto &entry : plan->envStrings)
        plan->envp.push_back(entry.data());
    plan->envp.push_back(nullptr);

    if (!launch.netnsPath.empty()) {
        plan->netnsFd = ::open(launch.netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
        if (plan->netnsFd < 0)
            return Error::fromErrno("open " + launch.netnsPath).context(plan->context());
    }
    const std::string logPath = launch.logPath.empty() ? "/dev/null" : launch.logPath;
    plan->logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (plan->logFd < 0)
        return Error::fromErrno("open " + logPath).context(plan->context());
    plan->devNullFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (plan->devNullFd < 0)
        return Error::fromErrno("open /dev/null").context(plan->context());
    return plan;
}

[[noreturn]] void failChild(int pipeFd, ChildStep step, int errnum)
{
    const ChildFailure failure{step, errnum};
    (void)!::write(pipeFd, &failure, sizeof failure);
    ::_exit(127);
}

// The child between fork and exec. Async-signal-safe calls only: the parent has threads.
[[noreturn]] void runChild(const LaunchPlan &plan, const sock_fprog &filter, int pipeFd)
{
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // A session of its own: no terminal signal reaches the lab's services.
    ::setsid();
    ::setpriority(PRIO_PROCESS, 0, plan.nice);
    if (plan.netnsFd >= 0 && ::setns(plan.netnsFd, kCloneNewNet) != 0)
        failChild(pipeFd, ChildStep::Setns, errno);
    if (::chdir(plan.workingDir.c_str()) != 0)
        failChild(pipeFd, ChildStep::Chdir, errno);
    if (::dup2(plan.devNullFd, 0) < 0 || ::dup2(plan.logFd, 1) < 0 || ::dup2(plan.logFd, 2) < 0)
        failChild(pipeFd, ChildStep::Stdio, errno);
    // Descriptors the daemon opened without O_CLOEXEC must not leak into the services.
    ::syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec);
    // No PR_SET_NO_NEW_PRIVS: we are root, so seccomp does not require it, and it would be
    // inherited by every container, breaking setuid programs inside them.
    if (const int err = installTraceFilter(filter))
        failChild(pipeFd, ChildStep::Seccomp, err);
    // Stopped until the tracer has seized us; from here on every traced syscall needs it.
    if (::kill(::getpid(), SIGSTOP) != 0)
        failChild(pipeFd, ChildStep::Stop, errno);
    ::execve(plan.path.c_str(), plan.argv.data(), plan.envp.data());
    failChild(pipeFd, ChildStep::Execve, errno);
}

std::optional<ChildFailure> readChildFailure(int pipeFd)
{
    ChildFailure failure{};
    ssize_t got;
    while ((got = ::read(pipeFd, &failure, sizeof failure)) < 0 && errno == EINTR) {
    }
    if (got != sizeof failure)
        return std::nullopt;
    return failure;
}

} // namespace

class SyscallTracer::Impl
{
public:
    explicit Impl(EventLog &log);
    ~Impl();

    Result<TracedProcess> launch(const TracedLaunch &launch);
    std::optional<int> waitForExit(const TracedProcess &process, std::chrono::milliseconds timeout);
    bool isRunning(const TracedProcess &process) const;
    TracerStats stats() const;

private:
    struct Request
    {
        std::unique_ptr<LaunchPlan> plan;
        std::promise<Result<TracedProcess>> result;
        std::atomic<bool> taken{false};
    };
    struct PendingLaunch
    {
        std::shared_ptr<Request> request;
        int pipeFd = -1;
    };
    struct LaunchedRecord
    {
        unsigned long long startTime = 0;
        std::optional<int> status;
    };

    void run();
    void serveRequests();
    void start(const std::shared_ptr<Request> &request);
    void onExeced(pid_t pid);
    void onExited(pid_t pid, int status);
    void shutdown();
    void wake();

    EventLog &m_log;
    TracerCounters m_counters;
    std::vector<sock_filter> m_filter;
    sock_fprog m_filterProgram{};

    mutable std::mutex m_mutex; // guards the requests, the stop flag and the records
    std::condition_variable m_changed;
    std::deque<std::shared_ptr<Request>> m_requests;
    bool m_stopping = false;
    std::map<pid_t, LaunchedRecord> m_launched;

    // Tracer thread only.
    std::map<pid_t, PendingLaunch> m_pending;
    std::unique_ptr<TraceSession> m_session;

    std::atomic<pid_t> m_tracerTid{0};
    std::atomic<bool> m_finished{false};
    std::thread m_thread;
};

SyscallTracer::Impl::Impl(EventLog &log)
    : m_log(log)
    , m_filter(buildTraceFilter())
{
    m_filterProgram.len = static_cast<unsigned short>(m_filter.size());
    m_filterProgram.filter = m_filter.data();
    wakeSignal(); // installed before the thread can be woken
    std::promise<void> started;
    auto ready = started.get_future();
    m_thread = std::thread([this, &started] {
        m_tracerTid = pid_t(::gettid());
        // Every traced stop waits until this thread runs; on a busy machine that wait is most
        // of what tracing costs. Linux keeps nice per thread, so only the tracer is raised
        // (children get the daemon's back, in runChild). Best effort: it needs root.
        ::setpriority(PRIO_PROCESS, 0, kTracerNice);
        started.set_value();
        run();
    });
    ready.wait();
}

SyscallTracer::Impl::~Impl()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    while (!m_finished) {
        wake();
        std::this_thread::sleep_for(kWakeRetry);
    }
    m_thread.join();
}

void SyscallTracer::Impl::wake()
{
    const int signal = wakeSignal();
    if (signal != 0 && m_tracerTid != 0 && !m_finished)
        ::tgkill(::getpid(), m_tracerTid, signal);
}

void SyscallTracer::Impl::run()
{
    sigset_t wakeSet;
    sigemptyset(&wakeSet);
    if (wakeSignal() != 0)
        sigaddset(&wakeSet, wakeSignal());
    ::pthread_sigmask(SIG_UNBLOCK, &wakeSet, nullptr);
    m_session = std::make_unique<TraceSession>(
        m_log, m_counters,
        TraceSession::LaunchHooks{[this](pid_t pid) { onExeced(pid); },
                                  [this](pid_t pid, int status) { onExited(pid, status); }});
    while (true) {
        serveRequests();
        {
            std::unique_lock lock(m_mutex);
            if (m_stopping)
                break;
            if (m_session->empty()) {
                // Nothing to wait for: sleep until a launch request or the end.
                m_changed.wait(lock, [this] { return m_stopping || !m_requests.empty(); });
                continue;
            }
        }
        int status = 0;
        const pid_t tid = ::waitpid(-1, &status, __WALL | __WNOTHREAD);
        if (tid > 0) {
            m_session->handle(tid, status);
        } else if (errno == ECHILD) {
            m_session->forgetAll();
        } // EINTR: woken for a request
    }
    shutdown();
    m_finished = true;
}

void SyscallTracer::Impl::serveRequests()
{
    while (true) {
        std::shared_ptr<Request> request;
        {
            std::lock_guard lock(m_mutex);
            if (m_requests.empty() || m_stopping)
                return;
            request = m_requests.front();
            m_requests.pop_front();
        }
        request->taken = true;
        start(request);
    }
}

void SyscallTracer::Impl::start(const std::shared_ptr<Request> &request)
{
    const LaunchPlan &plan = *request->plan;
    const auto fail = [&](Error error) {
        request->result.set_value(std::move(error.context(plan.context())));
    };
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        return fail(Error::fromErrno("pipe2"));
    const pid_t pid = ::fork();
    if (pid < 0) {
        const Error error = Error::fromErrno("fork");
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        return fail(error);
    }
    if (pid == 0)
        runChild(plan, m_filterProgram, pipeFds[1]);
    ::close(pipeFds[1]);

    int status = 0;
    while (::waitpid(pid, &status, WUNTRACED) < 0 && errno == EINTR) {
    }
    if (!WIFSTOPPED(status)) {
        const auto failure = readChildFailure(pipeFds[0]);
        ::close(pipeFds[0]);
        if (failure)
            return fail(Error(describe(failure->step, plan.path, plan.netnsPath, plan.workingDir),
                              failure->errnum));
        return fail(Error("the child exited before it could be traced"));
    }
    if (::ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void *>(kTraceOptions)) != 0) {
        const Error error = Error::fromErrno("ptrace PTRACE_SEIZE " + std::to_string(pid));
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        ::close(pipeFds[0]);
        return fail(error);
    }
    // Ends its group-stop; the tracee then runs into execve, which the filter traps.
    ::kill(pid, SIGCONT);
    m_session->adoptLaunched(pid, plan.node);
    // Answered when the session sees its exec (or its death before one).
    m_pending[pid] = PendingLaunch{request, pipeFds[0]};
}

void SyscallTracer::Impl::onExeced(pid_t pid)
{
    auto found = m_pending.find(pid);
    if (found == m_pending.end())
        return;
    ::close(found->second.pipeFd);
    const auto stat = readProcStat(pid);
    const TracedProcess process{pid, stat ? stat->startTime : 0};
    {
        std::lock_guard lock(m_mutex);
        m_launched[pid] = LaunchedRecord{process.startTime, std::nullopt};
    }
    found->second.request->result.set_value(process);
    m_pending.erase(found);
}

void SyscallTracer::Impl::onExited(pid_t pid, int status)
{
    if (auto found = m_pending.find(pid); found != m_pending.end()) {
        const LaunchPlan &plan = *found->second.request->plan;
        const auto failure = readChildFailure(found->second.pipeFd);
        ::close(found->second.pipeFd);
        Error error =
            failure ? Error(describe(failure->step, plan.path, plan.netnsPath, plan.workingDir),
                            failure->errnum)
                    : Error("exited before exec (wait status " + std::to_string(status) + ")");
        found->second.request->result.set_value(std::move(error.context(plan.context())));
        m_pending.erase(found);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        if (auto record = m_launched.find(pid); record != m_launched.end())
            record->second.status = status;
    }
    m_changed.notify_all();
}

void SyscallTracer::Impl::shutdown()
{
    std::deque<std::shared_ptr<Request>> unserved;
    {
        std::lock_guard lock(m_mutex);
        unserved.swap(m_requests);
    }
    for (auto &request : unserved)
        request->result.set_value(Error("the syscall tracer is shutting down"));
    // What PTRACE_O_EXITKILL would do when this thread exits, done while we can still reap
    // the processes and record their exits.
    m_session->killAll();
    const auto deadline = std::chrono::steady_clock::now() + kShutdownReapLimit;
    while (!m_session->empty() && std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        const pid_t tid = ::waitpid(-1, &status, __WALL | __WNOTHREAD | WNOHANG);
        if (tid > 0)
            m_session->handle(tid, status);
        else if (tid == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        else if (errno == ECHILD)
            m_session->forgetAll();
    }
    for (auto &[pid, pending] : m_pending) {
        ::close(pending.pipeFd);
        pending.request->result.set_value(Error("the syscall tracer shut down during the launch"));
    }
    m_pending.clear();
    m_session.reset(); // anything still traced is killed by EXITKILL when this thread ends
    m_changed.notify_all();
}

Result<TracedProcess> SyscallTracer::Impl::launch(const TracedLaunch &launch)
{
    if (pid_t(::gettid()) == m_tracerTid)
        return Error("SyscallTracer::launch called from the tracer thread (an event listener?)");
    auto plan = preparePlan(launch);
    if (!plan)
        return plan.error();
    auto request = std::make_shared<Request>();
    request->plan = std::move(*plan);
    auto result = request->result.get_future();
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return Error("the syscall tracer is shutting down");
        m_requests.push_back(request);
    }
    m_changed.notify_all();
    // The tracer thread may be blocked in waitpid: interrupt it until it takes the request
    // (a signal sent just before it blocks would be lost, hence the retries).
    while (!request->taken) {
        wake();
        if (result.wait_for(kWakeRetry) == std::future_status::ready)
            break;
    }
    if (result.wait_for(kLaunchTimeout) != std::future_status::ready)
        return Error("launch " + launch.argv[0] + ": no exec within 30 s");
    return result.get();
}

std::optional<int> SyscallTracer::Impl::waitForExit(const TracedProcess &process,
                                                    std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    std::optional<int> status;
    m_changed.wait_for(lock, timeout, [&] {
        const auto found = m_launched.find(process.pid);
        if (found == m_launched.end() || found->second.startTime != process.startTime)
            return true; // not one of ours: nothing to wait for
        status = found->second.status;
        return status.has_value();
    });
    return status;
}

bool SyscallTracer::Impl::isRunning(const TracedProcess &process) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_launched.find(process.pid);
    return found != m_launched.end() && found->second.startTime == process.startTime &&
           !found->second.status;
}

TracerStats SyscallTracer::Impl::stats() const
{
    TracerStats stats;
    stats.stops = m_counters.stops;
    stats.seccompStops = m_counters.seccompStops;
    stats.syscallExitStops = m_counters.syscallExitStops;
    stats.eventStops = m_counters.eventStops;
    stats.signalStops = m_counters.signalStops;
    stats.groupStops = m_counters.groupStops;
    stats.ignoredSyscalls = m_counters.ignoredSyscalls;
    stats.decodedAtForkEvent = m_counters.decodedAtForkEvent;
    stats.syscallEvents = m_counters.syscallEvents;
    stats.processEvents = m_counters.processEvents;
    stats.threads = m_counters.threads;
    stats.processes = m_counters.processes;
    stats.timeInStopsNs = m_counters.timeInStopsNs;
    return stats;
}

SyscallTracer::SyscallTracer(EventLog &log)
    : m_impl(std::make_unique<Impl>(log))
{}

SyscallTracer::~SyscallTracer() = default;

Result<TracedProcess> SyscallTracer::launch(const TracedLaunch &launch)
{
    return m_impl->launch(launch);
}

std::optional<int> SyscallTracer::waitForExit(const TracedProcess &process,
                                              std::chrono::milliseconds timeout)
{
    return m_impl->waitForExit(process, timeout);
}

bool SyscallTracer::isRunning(const TracedProcess &process) const
{
    return m_impl->isRunning(process);
}

TracerStats SyscallTracer::stats() const
{
    return m_impl->stats();
}

} // namespace flowlab
