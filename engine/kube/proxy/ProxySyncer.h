#pragma once

// One kube-proxy sync, as the real one does it in iptables mode: render every Service's rules,
// apply them with one iptables-restore, and say what changed. The first sync also installs
// the jumps from the built-in chains (PREROUTING, OUTPUT, POSTROUTING, INPUT, FORWARD) that
// are missing, in the same transaction, and removes per-service chains that an earlier
// kube-proxy left behind; later syncs remove the chains of Services that went away. Every
// sync is reported as one `rule` evidence event: the render's size, the diff from the rules
// applied before, the times, and what iptables-restore said.
//
// Plain C++ and synchronous: flowlab-kube-proxy calls it from its event loop, the benchmark
// calls it directly.

#include "engine/kube/proxy/RuleApplier.h"
#include "engine/kube/proxy/Ruleset.h"
#include "engine/kube/proxy/ServicePorts.h"
#include "engine/kube/proxy/ServiceRuleRenderer.h"
#include "tracer/model/Event.h"

#include <chrono>
#include <map>
#include <set>
#include <string>

namespace flowlab::kube::proxy {

struct SyncOptions
{
    RenderOptions render;
    std::string node;  // the evidence's source node ("flowlab-node1")
    std::string netns; // the namespace the rules go to, for the evidence ("" = this one)
    // How many changed rule lines the evidence lists (the counts are always complete).
    std::size_t maxDiffRules = 200;
    // The restore input goes into the evidence whole up to this size, and is cut beyond it.
    std::size_t maxEvidenceInput = 64 * 1024;
};

struct SyncReport
{
    bool ok = false;
    std::string error; // why it failed: the program could not run, or refused the input
    std::string trigger;
    std::size_t services = 0; // distinct Services with rules
    std::size_t servicePorts = 0;
    std::size_t endpoints = 0;
    std::size_t chains = 0;
    std::size_t rules = 0;
    std::map<std::string, std::pair<std::size_t, std::size_t>> tables; // table -> chains, rules
    RulesetDiff diff; // against the rules applied before
    std::vector<HookRule> hooksInstalled;
    std::vector<std::string> staleChainsRemoved; // "nat KUBE-SVC-..."
    std::chrono::nanoseconds renderTime{0};
    std::chrono::nanoseconds restoreTime{0}; // the iptables-restore run
    std::chrono::nanoseconds totalTime{0};
    RestoreRun restore;
    std::size_t inputBytes = 0;

    std::string summary(const std::string &node) const;
    Event toEvidence(const SyncOptions &options, const std::string &input) const;
};

class ProxySyncer
{
public:
    ProxySyncer(RuleApplier &applier, SyncOptions options);

    // Renders `ports` and applies them. `trigger` says why ("initial sync", "endpoints of
    // default/web changed") for the evidence.
    SyncReport sync(const std::vector<ServicePort> &ports, const std::string &trigger = {});

    const SyncOptions &options() const { return m_options; }
    // What the last successful sync applied, and the restore input it was applied with.
    const Ruleset &applied() const { return m_applied; }
    const std::string &lastInput() const { return m_lastInput; }

private:
    // Reads the namespace's rules once: which hooks are missing, which of our chains exist.
    Status inspectNamespace();
    RestoreExtras extrasFor(const Ruleset &next) const;

    RuleApplier &m_applier;
    SyncOptions m_options;
    bool m_inspected = false;
    std::vector<HookRule> m_missingHooks;
    // Per-service chains (KUBE-SVC-, KUBE-SEP-, KUBE-EXT-...) that exist in the namespace, by
    // table: found at the start, then whatever the last successful sync made.
    std::map<std::string, std::set<std::string>> m_serviceChains;
    Ruleset m_applied;
    std::string m_lastInput;
};

// Whether `chain` is one of the per-service chains kube-proxy makes and removes by itself.
bool isServiceChain(const std::string &chain);

} // namespace flowlab::kube::proxy
