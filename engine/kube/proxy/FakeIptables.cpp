#include "engine/kube/proxy/FakeIptables.h"

#include <algorithm>
#include <cctype>

namespace flowlab::kube::proxy {

namespace {

const std::vector<std::pair<std::string, std::vector<std::string>>> &builtinChains()
{
    static const std::vector<std::pair<std::string, std::vector<std::string>>> chains = {
        {"filter", {"INPUT", "FORWARD", "OUTPUT"}},
        {"nat", {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"}},
        {"mangle", {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}},
        {"raw", {"PREROUTING", "OUTPUT"}},
    };
    return chains;
}

const std::vector<std::string> &builtinChainsOf(const std::string &table)
{
    static const std::vector<std::string> none;
    for (const auto &[name, chains] : builtinChains())
        if (name == table)
            return chains;
    return none;
}

// "-A CHAIN rest" -> {"CHAIN", "rest"}.
std::pair<std::string, std::string> chainAndRest(const std::string &afterCommand)
{
    const auto space = afterCommand.find(' ');
    if (space == std::string::npos)
        return {afterCommand, {}};
    auto rest = afterCommand.substr(space + 1);
    rest.erase(0, rest.find_first_not_of(' '));
    return {afterCommand.substr(0, space), rest};
}

bool sameRule(const std::string &a, const std::string &b)
{
    const auto left = splitArguments(a);
    const auto right = splitArguments(b);
    return left && right && *left == *right;
}

// One transaction over a copy of the tables: the input's lines applied in order, each error
// naming its line. Nothing reaches the FakeIptables unless the whole input went through.
class RestoreTransaction
{
public:
    RestoreTransaction(std::map<std::string, FakeTable> tables, bool noflush)
        : m_tables(std::move(tables))
        , m_noflush(noflush)
    {}

    Status apply(const std::string &input)
    {
        std::size_t at = 0;
        while (at < input.size()) {
            const auto end = std::min(input.find('\n', at), input.size());
            std::string line = input.substr(at, end - at);
            at = end + 1;
            ++m_lineNumber;
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            m_line = line;
            if (line.empty() || line[0] == '#')
                continue;
            if (Status done = applyLine(line); !done)
                return done;
        }
        if (!m_table.empty())
            return Error("iptables-restore input ends inside table " + m_table +
                         ": its COMMIT is missing");
        return success();
    }

    std::map<std::string, FakeTable> &tables() { return m_tables; }

private:
    Error fail(const std::string &what) const
    {
        return Error("iptables-restore input line " + std::to_string(m_lineNumber) + ": " + what +
                     " (the line reads \"" + m_line + "\")");
    }

    Status applyLine(const std::string &line)
    {
        if (line[0] == '*') {
            if (!m_table.empty())
                return fail("table " + m_table + " is not finished (no COMMIT) when " + line +
                            " starts");
            m_table = line.substr(1);
            if (!m_tables.count(m_table))
                return fail("unknown table \"" + m_table + "\"");
            if (!m_noflush)
                flushTable(m_tables[m_table]);
            return success();
        }
        if (m_table.empty())
            return fail("a line outside any table (a *TABLE line must come first)");
        if (line == "COMMIT") {
            Status checked = checkJumps(m_tables[m_table]);
            m_table.clear();
            return checked;
        }
        if (line[0] == ':')
            return declare(line.substr(1));
        if (line.size() < 2 || line[0] != '-')
            return fail("not a command, chain declaration or COMMIT");
        const std::string command = line.substr(0, 2);
        const auto [chainName, rest] = chainAndRest(line.size() > 3 ? line.substr(3) : "");
        FakeTable &table = m_tables[m_table];
        if (command == "-N") {
            if (table.chains.count(chainName))
                return fail("chain " + chainName + " already exists");
            table.chains[chainName];
            return success();
        }
        if (command == "-F") {
            if (chainName.empty()) {
                for (auto &[name, chain] : table.chains)
                    chain.rules.clear();
                return success();
            }
        }
        if (command == "-Z" && chainName.empty())
            return success(); // counters, which the fake does not keep
        if (chainName.empty())
            return fail("the command " + command + " names no chain");
        const auto found = table.chains.find(chainName);
        if (found == table.chains.end())
            return fail("chain " + chainName + " does not exist in table " + m_table);
        FakeChain &chain = found->second;
        if (command == "-F") {
            chain.rules.clear();
            return success();
        }
        if (command == "-X")
            return deleteChain(table, chainName);
        if (command == "-Z")
            return success();
        if (command == "-A")
            return insert(chain, chain.rules.size(), rest);
        if (command == "-I") {
            const auto [first, afterFirst] = chainAndRest(rest);
            if (!first.empty() && std::all_of(first.begin(), first.end(), ::isdigit)) {
                const std::size_t position = std::stoul(first);
                if (position < 1 || position > chain.rules.size() + 1)
                    return fail("no position " + first + " in chain " + chainName);
                return insert(chain, position - 1, afterFirst);
            }
            return insert(chain, 0, rest);
        }
        if (command == "-D") {
            const auto match =
                std::find_if(chain.rules.begin(), chain.rules.end(),
                             [&](const FakeRule &r) { return sameRule(r.arguments, rest); });
            if (match == chain.rules.end())
                return fail("no such rule in chain " + chainName + " to delete");
            chain.rules.erase(match);
            return success();
        }
        return fail("unknown command " + command);
    }

    // ":NAME POLICY [packets:bytes]"
    Status declare(const std::string &declaration)
    {
        auto words = splitArguments(declaration);
        if (!words || words->size() < 2)
            return fail("a chain declaration needs a name and a policy");
        const std::string &name = (*words)[0];
        const std::string &policy = (*words)[1];
        FakeTable &table = m_tables[m_table];
        const auto &builtins = builtinChainsOf(m_table);
        if (std::find(builtins.begin(), builtins.end(), name) != builtins.end()) {
            if (policy != "ACCEPT" && policy != "DROP")
                return fail("built-in chain " + name + " needs the policy ACCEPT or DROP");
            table.chains[name].policy = policy;
            return success();
        }
        if (policy != "-")
            return fail("user chain " + name + " can have no policy (\"-\"), not " + policy);
        if (name.size() > 28)
            return fail("chain name " + name + " is longer than 28 characters");
        // With --noflush this is how a user chain is emptied without touching the others.
        table.chains[name].rules.clear();
        return success();
    }

    Status insert(FakeChain &chain, std::size_t position, const std::string &arguments)
    {
        auto spec = RuleSpec::parse(arguments);
        if (!spec)
            return fail(spec.error().message());
        const auto tables = tablesOfTarget(spec->target);
        if (!tables.empty() && std::find(tables.begin(), tables.end(), m_table) == tables.end())
            return fail("target " + spec->target + " cannot be used in table " + m_table);
        chain.rules.insert(chain.rules.begin() + std::ptrdiff_t(position),
                           FakeRule{arguments, std::move(*spec), m_lineNumber});
        return success();
    }

    Status deleteChain(FakeTable &table, const std::string &name)
    {
        if (table.chains.at(name).builtin())
            return fail("built-in chain " + name + " cannot be deleted");
        if (!table.chains.at(name).rules.empty())
            return fail("chain " + name + " is not empty");
        for (const auto &[other, chain] : table.chains)
            for (const FakeRule &rule : chain.rules)
                if (rule.spec.target == name)
                    return fail("chain " + name + " is still jumped to from " + other +
                                " (rule of line " + std::to_string(rule.line) + ")");
        table.chains.erase(name);
        return success();
    }

    static void flushTable(FakeTable &table)
    {
        for (auto it = table.chains.begin(); it != table.chains.end();) {
            if (it->second.builtin()) {
                it->second.rules.clear();
                ++it;
            } else {
                it = table.chains.erase(it);
            }
        }
    }

    // At COMMIT, as the kernel does when the table is replaced: every jump must land on a
    // user chain of the same table.
    Status checkJumps(const FakeTable &table)
    {
        for (const auto &[name, chain] : table.chains)
            for (const FakeRule &rule : chain.rules) {
                const std::string &target = rule.spec.target;
                if (target.empty() || isBuiltinTarget(target))
                    continue;
                const auto found = table.chains.find(target);
                if (found == table.chains.end() || found->second.builtin()) {
                    m_lineNumber = rule.line;
                    m_line = "-A " + name + " " + rule.arguments;
                    return fail("jump to chain " + target + ", which does not exist in table " +
                                m_table);
                }
            }
        return success();
    }

    std::map<std::string, FakeTable> m_tables;
    bool m_noflush;
    std::string m_table; // the section being read, empty between COMMIT and the next *TABLE
    int m_lineNumber = 0;
    std::string m_line;
};

} // namespace

FakeIptables::FakeIptables()
{
    for (const auto &[table, chains] : builtinChains())
        for (const std::string &chain : chains)
            m_tables[table].chains[chain].policy = "ACCEPT";
}

Status FakeIptables::restore(const std::string &input, bool noflush)
{
    RestoreTransaction transaction(m_tables, noflush);
    if (Status applied = transaction.apply(input); !applied)
        return applied;
    m_tables = std::move(transaction.tables());
    return success();
}

std::string FakeIptables::save() const
{
    std::string out;
    for (const auto &[tableName, builtins] : builtinChains()) {
        const FakeTable &table = m_tables.at(tableName);
        std::vector<std::string> order = builtins;
        bool used = false;
        for (const auto &[name, chain] : table.chains) {
            used = used || !chain.rules.empty() || !chain.builtin();
            if (!chain.builtin())
                order.push_back(name); // std::map: sorted, as iptables-save sorts them
        }
        if (!used)
            continue;
        out += "*" + tableName + "\n";
        for (const std::string &name : order) {
            const FakeChain &chain = table.chains.at(name);
            out += ":" + name + " " + (chain.builtin() ? chain.policy : "-") + " [0:0]\n";
        }
        for (const std::string &name : order)
            for (const FakeRule &rule : table.chains.at(name).rules)
                out += "-A " + name + " " + rule.arguments + "\n";
        out += "COMMIT\n";
    }
    return out;
}

const FakeTable *FakeIptables::table(const std::string &name) const
{
    const auto found = m_tables.find(name);
    return found == m_tables.end() ? nullptr : &found->second;
}

const FakeChain *FakeIptables::chain(const std::string &tableName,
                                     const std::string &chainName) const
{
    const FakeTable *t = table(tableName);
    if (!t)
        return nullptr;
    const auto found = t->chains.find(chainName);
    return found == t->chains.end() ? nullptr : &found->second;
}

std::vector<std::string> FakeIptables::rules(const std::string &tableName,
                                             const std::string &chainName) const
{
    std::vector<std::string> out;
    if (const FakeChain *c = chain(tableName, chainName))
        for (const FakeRule &rule : c->rules)
            out.push_back("-A " + chainName + " " + rule.arguments);
    return out;
}

std::size_t FakeIptables::ruleCount() const
{
    std::size_t count = 0;
    for (const auto &[name, table] : m_tables)
        for (const auto &[chainName, chain] : table.chains)
            count += chain.rules.size();
    return count;
}

} // namespace flowlab::kube::proxy
