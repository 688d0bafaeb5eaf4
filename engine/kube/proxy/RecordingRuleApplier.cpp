#include "engine/kube/proxy/FakeIptables.h"
#include "engine/kube/proxy/RuleApplier.h"

namespace flowlab::kube::proxy {

Result<RestoreRun> RecordingRuleApplier::restore(const std::string &input)
{
    if (m_failures > 0) {
        --m_failures;
        return Error(m_failureMessage);
    }
    m_inputs.push_back(input);
    RestoreRun run;
    run.commandLine = "iptables-restore --noflush (recorded)";
    if (m_backing) {
        if (Status applied = m_backing->restore(input, true); !applied) {
            run.exitCode = 1;
            run.output = applied.error().message();
        }
    }
    return run;
}

Result<std::string> RecordingRuleApplier::save()
{
    ++m_saves;
    return m_backing ? m_backing->save() : std::string();
}

void RecordingRuleApplier::failNextRuns(int count, std::string message)
{
    m_failures = count;
    m_failureMessage = std::move(message);
}

} // namespace flowlab::kube::proxy
