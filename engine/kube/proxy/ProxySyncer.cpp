#include "engine/kube/proxy/ProxySyncer.h"

#include <cstdio>

namespace flowlab::kube::proxy {

namespace {

double milliseconds(std::chrono::nanoseconds duration)
{
    return double(duration.count()) / 1e6;
}

std::string formatMs(std::chrono::nanoseconds duration)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", milliseconds(duration));
    return text;
}

// What iptables-save shows that matters here, read line by line (a node with 10,000 Services
// has ~40,000 chains): the chains of each table, and the targets of the built-in chains' rules.
struct SavedRules
{
    std::map<std::string, std::set<std::string>> chains;
    std::set<std::tuple<std::string, std::string, std::string>>
        builtinJumps; // table, chain, target
};

SavedRules scanSaved(const std::string &text)
{
    SavedRules saved;
    std::string table;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = std::min(text.find('\n', at), text.size());
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.empty() || line[0] == '#')
            continue;
        if (line[0] == '*') {
            table = line.substr(1);
        } else if (line[0] == ':') {
            saved.chains[table].insert(line.substr(1, line.find(' ') - 1));
        } else if (line.rfind("-A ", 0) == 0) {
            const auto chainEnd = line.find(' ', 3);
            const std::string chain = line.substr(3, chainEnd - 3);
            if (chain.empty() || !std::isupper(static_cast<unsigned char>(chain[0])) ||
                chain.find('-') != std::string::npos)
                continue; // only the built-in chains' jumps matter (they have no '-')
            const auto jump = line.find(" -j ");
            if (jump == std::string::npos)
                continue;
            const auto targetEnd = line.find(' ', jump + 4);
            saved.builtinJumps.insert({table, chain, line.substr(jump + 4, targetEnd - jump - 4)});
        }
    }
    return saved;
}

std::string hookText(const HookRule &hook)
{
    return hook.table + " " + hook.chain + " -> " + hook.target;
}

} // namespace

bool isServiceChain(const std::string &chain)
{
    for (const char *prefix : {"KUBE-SVC-", "KUBE-SEP-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SVL-"})
        if (chain.rfind(prefix, 0) == 0)
            return true;
    return false;
}

ProxySyncer::ProxySyncer(RuleApplier &applier, SyncOptions options)
    : m_applier(applier)
    , m_options(std::move(options))
{}

Status ProxySyncer::inspectNamespace()
{
    auto text = m_applier.save();
    if (!text)
        return text.error().withContext("reading the rules already in the namespace");
    const SavedRules saved = scanSaved(*text);
    m_missingHooks.clear();
    for (const HookRule &hook : hookRules())
        if (!saved.builtinJumps.count({hook.table, hook.chain, hook.target}))
            m_missingHooks.push_back(hook);
    m_serviceChains.clear();
    for (const auto &[table, chains] : saved.chains)
        for (const std::string &chain : chains)
            if (isServiceChain(chain))
                m_serviceChains[table].insert(chain);
    m_inspected = true;
    return success();
}

RestoreExtras ProxySyncer::extrasFor(const Ruleset &next) const
{
    RestoreExtras extras;
    extras.hooks = m_missingHooks;
    for (const RuleTable *table : next.tables()) {
        const auto existing = m_serviceChains.find(table->name());
        if (existing == m_serviceChains.end())
            continue;
        for (const std::string &chain : existing->second)
            if (!table->has(chain))
                extras.staleChains[table->name()].push_back(chain);
    }
    return extras;
}

SyncReport ProxySyncer::sync(const std::vector<ServicePort> &ports, const std::string &trigger)
{
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    SyncReport report;
    report.trigger = trigger;
    if (!m_inspected) {
        if (Status inspected = inspectNamespace(); !inspected) {
            report.error = inspected.error().message();
            report.totalTime = Clock::now() - started;
            return report;
        }
    }

    const auto renderStarted = Clock::now();
    Ruleset next = renderServiceRules(ports, m_options.render);
    const RestoreExtras extras = extrasFor(next);
    std::string input = restoreInput(next, extras);
    report.renderTime = Clock::now() - renderStarted;

    std::set<std::string> services;
    for (const ServicePort &port : ports) {
        services.insert(port.ns + "/" + port.service);
        report.endpoints += port.endpoints.size();
    }
    report.services = services.size();
    report.servicePorts = ports.size();
    report.chains = next.chainCount();
    report.rules = next.ruleCount();
    for (const RuleTable *table : next.tables())
        report.tables[table->name()] = {table->chains().size(), table->ruleCount()};
    report.diff = diffRulesets(m_applied, next);
    report.inputBytes = input.size();

    auto run = m_applier.restore(input);
    if (!run) {
        report.error = run.error().message();
    } else {
        report.restore = *run;
        report.restoreTime = run->took;
        if (!run->ok())
            report.error = "iptables-restore refused the rules (exit status " +
                           std::to_string(run->exitCode) + "): " + run->output;
    }
    report.ok = report.error.empty();
    if (report.ok) {
        report.hooksInstalled = extras.hooks;
        for (const auto &[table, chains] : extras.staleChains)
            for (const std::string &chain : chains)
                report.staleChainsRemoved.push_back(table + " " + chain);
        m_missingHooks.clear();
        m_serviceChains.clear();
        for (const RuleTable *table : next.tables())
            for (const std::string &chain : table->chains())
                if (isServiceChain(chain))
                    m_serviceChains[table->name()].insert(chain);
        m_applied = std::move(next);
        m_lastInput = std::move(input);
    } else {
        // What is in the kernel is unknown now (a half-run program): look again next time.
        m_inspected = false;
    }
    report.totalTime = Clock::now() - started;
    return report;
}

std::string SyncReport::summary(const std::string &node) const
{
    std::string text = "kube-proxy sync on " + (node.empty() ? std::string("this node") : node) +
                       ": " + std::to_string(servicePorts) + " service ports, " +
                       std::to_string(endpoints) + " endpoints -> " + std::to_string(rules) +
                       " rules in " + std::to_string(chains) + " chains (+" +
                       std::to_string(diff.rulesAdded) + " -" + std::to_string(diff.rulesRemoved) +
                       ")";
    if (ok)
        return text + ", iptables-restore ok in " + formatMs(restoreTime);
    return text + ", FAILED: " + error;
}

Event SyncReport::toEvidence(const SyncOptions &options, const std::string &input) const
{
    Event event;
    event.kind = EventKind::Rule;
    event.summary = summary(options.node);
    nlohmann::json tableJson = nlohmann::json::object();
    for (const auto &[name, counts] : tables)
        tableJson[name] = {{"chains", counts.first}, {"rules", counts.second}};
    nlohmann::json hooks = nlohmann::json::array();
    for (const HookRule &hook : hooksInstalled)
        hooks.push_back(hookText(hook));
    nlohmann::json restoreJson = {{"command", restore.commandLine},
                                  {"exit_code", restore.exitCode},
                                  {"output", restore.output},
                                  {"input_bytes", inputBytes}};
    if (input.size() <= options.maxEvidenceInput)
        restoreJson["input"] = input;
    else
        restoreJson["input_truncated"] = true;
    event.attributes = {
        {"op", "sync"},
        {"ok", ok},
        {"trigger", trigger},
        {"node", options.node},
        {"netns", options.netns},
        {"services", services},
        {"service_ports", servicePorts},
        {"endpoints", endpoints},
        {"render", {{"chains", chains}, {"rules", rules}, {"tables", tableJson}}},
        {"diff", diff.toJson(options.maxDiffRules)},
        {"hooks_installed", hooks},
        {"stale_chains_removed", staleChainsRemoved},
        {"render_ms", milliseconds(renderTime)},
        {"restore_ms", milliseconds(restoreTime)},
        {"total_ms", milliseconds(totalTime)},
        {"iptables_restore", restoreJson},
    };
    if (!ok)
        event.attributes["error"] = error;
    return event;
}

} // namespace flowlab::kube::proxy
