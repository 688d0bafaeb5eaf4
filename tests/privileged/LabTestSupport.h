#pragma once

// Shared by the privileged tests: running flowlab-cli and reading the host's root namespace.

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTest>
#include <unistd.h>

namespace flowlab::test {

struct CliRun
{
    int exitCode = -1;
    QString out;
    QString err;
    QString all() const { return out + err; }
};

inline QString binary(const char *name)
{
    return QStringLiteral(FLOWLAB_BIN_DIR "/") + QLatin1String(name);
}

// Runs a program to completion (at most `timeoutMs`) and returns its output.
inline CliRun run(const QString &program, const QStringList &args, int timeoutMs = 180'000,
                  const QByteArray &stdinData = {})
{
    QProcess process;
    process.start(program, args);
    if (!process.waitForStarted(10'000))
        return {-1, {}, "could not start " + program};
    if (!stdinData.isEmpty())
        process.write(stdinData);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {-2, QString::fromUtf8(process.readAllStandardOutput()),
                "timed out: " + program + " " + args.join(' ')};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -3,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

inline CliRun cli(const QStringList &args, int timeoutMs = 180'000)
{
    return run(binary("flowlab-cli"), args, timeoutMs);
}

// The real kubectl (the one on PATH) against the lab's cluster, with the kubeconfig Flowlab
// writes: through flowlabd's relay on 127.0.0.1:6443. `input` goes to its stdin (`apply -f -`).
inline CliRun kubectl(const QStringList &args, const QString &input = {})
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("KUBECONFIG", "/run/flowlab/kube/kubeconfig");
    process.setProcessEnvironment(env);
    process.start("kubectl", args);
    if (!process.waitForStarted(10'000))
        return {-1, {}, "could not start kubectl"};
    if (!input.isEmpty())
        process.write(input.toUtf8());
    process.closeWriteChannel();
    process.waitForFinished(60'000);
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

// What must not change in the host's root namespace: addresses, routes, firewall.
inline QString rootNamespaceSnapshot()
{
    QString snapshot;
    snapshot += run("ip", {"-o", "addr"}).out;
    snapshot += run("ip", {"route"}).out;
    snapshot += run("ip", {"-6", "route"}).out;
    // iptables-save stamps the time in comments; those lines are not state.
    for (const QString &line : run("iptables-save", {}).out.split('\n'))
        if (!line.startsWith('#'))
            snapshot += line + '\n';
    return snapshot;
}

inline bool anyProcessNamed(const QString &name)
{
    return run("pgrep", {"-x", name}).exitCode == 0;
}

#define FLOWLAB_REQUIRE_ROOT()                                                                     \
    do {                                                                                           \
        if (::geteuid() != 0)                                                                      \
            QSKIP("privileged test: needs root to create network namespaces (run as root, "        \
                  "as CI does)");                                                                  \
    } while (0)

#define FLOWLAB_VERIFY_RUN(runResult, expectedCode)                                                \
    do {                                                                                           \
        const auto &r_ = (runResult);                                                              \
        QVERIFY2(r_.exitCode == (expectedCode),                                                    \
                 qPrintable(QString("exit %1 (expected %2)\nstdout:\n%3\nstderr:\n%4")             \
                                .arg(r_.exitCode)                                                  \
                                .arg(expectedCode)                                                 \
                                .arg(r_.out, r_.err)));                                            \
    } while (0)

} // namespace flowlab::test
