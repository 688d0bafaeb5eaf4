#pragma once

// Where kube-proxy's rules go: the one interface between the renderer and the kernel.
// IptablesRestoreApplier feeds the render to the real `iptables-restore --noflush` inside the
// node's network namespace; RecordingRuleApplier keeps what it was given for tests, and can
// apply it to a FakeIptables to answer as the real tool would.

#include "tracer/base/Result.h"

#include <chrono>
#include <string>
#include <vector>

namespace flowlab::kube::proxy {

class FakeIptables;

// How one iptables-restore went.
struct RestoreRun
{
    std::string commandLine; // "iptables-restore --noflush (in netns flowlab-node1)"
    int exitCode = 0;
    std::string output; // what it printed (stderr, then stdout): why it failed
    std::chrono::nanoseconds took{0};

    bool ok() const { return exitCode == 0; }
};

class RuleApplier
{
public:
    virtual ~RuleApplier() = default;

    // Applies `input` with iptables-restore --noflush, all of it or nothing. An error means the
    // program could not be run at all; a run that refused the input has a non-zero exitCode.
    virtual Result<RestoreRun> restore(const std::string &input) = 0;
    // The namespace's current rules, as iptables-save prints them.
    virtual Result<std::string> save() = 0;
    // Where the rules go, for logs: "iptables-restore in netns flowlab-node1".
    virtual std::string describe() const = 0;
};

struct IptablesPrograms
{
    // Debian's alternatives pick the nf_tables variant (iptables-nft-restore), as for the
    // iptables-save the rule monitor runs and the iptables Docker runs: one backend for all.
    std::string restore = "iptables-restore";
    std::string save = "iptables-save";
};

class IptablesRestoreApplier : public RuleApplier
{
public:
    // `netns`: a name under /run/netns or a path; empty for the namespace this process is in.
    IptablesRestoreApplier(IptablesPrograms programs, std::string netns, int timeoutMs = 120'000);

    Result<RestoreRun> restore(const std::string &input) override;
    Result<std::string> save() override;
    std::string describe() const override;

private:
    IptablesPrograms m_programs;
    std::string m_netns;
    int m_timeoutMs;
};

// Records every restore input. Backed by a FakeIptables, it applies each one there and answers
// like the real tool: exit status 1 and the fake's error when the input is refused.
class RecordingRuleApplier : public RuleApplier
{
public:
    explicit RecordingRuleApplier(FakeIptables *backing = nullptr)
        : m_backing(backing)
    {}

    Result<RestoreRun> restore(const std::string &input) override;
    Result<std::string> save() override;
    std::string describe() const override { return "recording applier"; }

    // The next `count` restores fail as if the program could not be run at all.
    void failNextRuns(int count, std::string message);

    const std::vector<std::string> &inputs() const { return m_inputs; }
    int saves() const { return m_saves; }

private:
    FakeIptables *m_backing;
    std::vector<std::string> m_inputs;
    int m_saves = 0;
    int m_failures = 0;
    std::string m_failureMessage;
};

} // namespace flowlab::kube::proxy
