// FakeIptables::trace: a virtual packet's walk through the fake's chains, rule by rule, as
// the kernel's xt_table walk goes: a matching rule with a chain as target jumps (-j, to come
// back after that chain's last rule or a RETURN) or goes (-g, not to come back); MARK changes
// the packet and goes on; DNAT, MASQUERADE, SNAT, ACCEPT, DROP and REJECT decide; the end of a
// built-in chain applies its policy.

#include "engine/kube/proxy/FakeIptables.h"

namespace flowlab::kube::proxy {

namespace {

// The MARK target's arithmetic (xt_MARK): every form is (mark & ~mask) ^ value.
std::uint32_t applyMark(std::uint32_t mark, const RuleSpec &rule, std::string &action)
{
    for (const auto &[option, text] : rule.targetOptions) {
        const auto slash = text.find('/');
        const std::uint32_t value = std::uint32_t(std::stoul(text.substr(0, slash), nullptr, 0));
        const std::uint32_t mask =
            slash == std::string::npos
                ? 0xffffffffU
                : std::uint32_t(std::stoul(text.substr(slash + 1), nullptr, 0));
        if (option == "--or-mark")
            mark |= value;
        else if (option == "--xor-mark")
            mark ^= value;
        else if (option == "--and-mark")
            mark &= value;
        else if (option == "--set-mark")
            mark = (mark & ~mask) | value;
        else if (option == "--set-xmark")
            mark = (mark & ~mask) ^ value;
        action = "MARK " + option.substr(2) + " " + text;
    }
    return mark;
}

bool isVerdict(const std::string &target)
{
    return target == "ACCEPT" || target == "DROP" || target == "REJECT" || target == "DNAT" ||
           target == "SNAT" || target == "MASQUERADE";
}

// "10.42.0.5:80" -> the packet's new destination.
void applyDnat(VirtualPacket &packet, const std::string &to)
{
    const auto colon = to.find(':');
    packet.destination = to.substr(0, colon);
    if (colon != std::string::npos)
        packet.destinationPort = std::stoi(to.substr(colon + 1));
}

} // namespace

std::vector<std::string> PacketTrace::chains() const
{
    std::vector<std::string> out;
    for (const TraceStep &step : steps)
        if (out.empty() || out.back() != step.chain)
            out.push_back(step.chain);
    return out;
}

nlohmann::json PacketTrace::toJson() const
{
    nlohmann::json list = nlohmann::json::array();
    for (const TraceStep &step : steps)
        list.push_back({{"table", step.table},
                        {"chain", step.chain},
                        {"rule_number", step.ruleNumber},
                        {"rule", step.rule},
                        {"action", step.action}});
    nlohmann::json out = {{"steps", list}, {"verdict", verdict}};
    if (!dnatAddress.empty())
        out["dnat"] = dnatAddress;
    return out;
}

PacketTrace FakeIptables::trace(const std::string &tableName, const std::string &chainName,
                                VirtualPacket packet, const TraceEnvironment &environment) const
{
    PacketTrace out;
    out.packet = std::move(packet);
    const FakeTable *t = table(tableName);
    if (!t || !t->chains.count(chainName)) {
        out.verdict = "no chain " + chainName + " in table " + tableName;
        return out;
    }
    struct Frame
    {
        std::string chain;
        std::size_t next = 0;
    };
    std::vector<Frame> stack{{chainName, 0}};
    // The kernel refuses loops when a table is loaded; the fake only guards the walk.
    for (int budget = 1'000'000; budget > 0 && !stack.empty(); --budget) {
        Frame &frame = stack.back();
        const FakeChain &chain = t->chains.at(frame.chain);
        if (frame.next >= chain.rules.size()) {
            if (chain.builtin()) {
                out.steps.push_back({tableName, frame.chain, 0, {}, "policy " + chain.policy});
                out.verdict = chain.policy;
                return out;
            }
            stack.pop_back();
            continue;
        }
        const std::size_t index = frame.next++;
        const FakeRule &rule = chain.rules[index];
        if (!rule.spec.matches(out.packet, environment))
            continue;
        TraceStep step{
            tableName, frame.chain, int(index + 1), "-A " + frame.chain + " " + rule.arguments, {}};
        const std::string &target = rule.spec.target;
        if (target.empty()) {
            step.action = "match, no target";
        } else if (target == "MARK") {
            out.packet.mark = applyMark(out.packet.mark, rule.spec, step.action);
        } else if (target == "RETURN") {
            step.action = "RETURN";
            out.steps.push_back(std::move(step));
            if (stack.size() == 1) { // RETURN from a built-in chain: its policy decides
                out.verdict = chain.policy.empty() ? "RETURN" : chain.policy;
                return out;
            }
            stack.pop_back();
            continue;
        } else if (isVerdict(target)) {
            step.action = target;
            if (target == "DNAT") {
                out.dnatAddress = rule.spec.targetOption("--to-destination");
                applyDnat(out.packet, out.dnatAddress);
                step.action += " " + out.dnatAddress;
            }
            out.verdict = target;
            out.steps.push_back(std::move(step));
            return out;
        } else {
            step.action = (rule.spec.gotoChain ? "goto " : "jump ") + target;
            out.steps.push_back(std::move(step));
            if (rule.spec.gotoChain)
                stack.back() = Frame{target, 0};
            else
                stack.push_back(Frame{target, 0});
            continue;
        }
        out.steps.push_back(std::move(step));
    }
    out.verdict = stack.empty() ? "RETURN" : "loop";
    return out;
}

} // namespace flowlab::kube::proxy
