#include "app/desktop/inspector/EvidenceInspector.h"

#include "app/desktop/inspector/EvidenceAttributes.h"
#include "app/desktop/inspector/EvidenceModels.h"
#include "app/desktop/inspector/EvidenceText.h"
#include "app/desktop/inspector/NetworkModels.h"
#include "app/desktop/inspector/StepExplanation.h"
#include "app/desktop/theme/Theme.h"

#include <QApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScopedValueRollback>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>

namespace flowlab {

using namespace evidence;

namespace {

QString colourName(const QColor &colour)
{
    return colour.name(QColor::HexRgb);
}

} // namespace

EvidenceInspector::Tab EvidenceInspector::tabForKind(EventKind kind)
{
    switch (kind) {
    case EventKind::Command:
    case EventKind::Api:
    case EventKind::Audit:
    case EventKind::Grpc:
        return Tab::Api;
    case EventKind::Process:
    case EventKind::Syscall:
    case EventKind::Netlink:
        return Tab::Syscalls;
    case EventKind::Packet:
    case EventKind::Conntrack:
    case EventKind::Dns:
        return Tab::Packets;
    case EventKind::Rule:
        return Tab::Rules;
    case EventKind::Store:
    case EventKind::Reconcile:
    case EventKind::Schedule:
        return Tab::Objects;
    case EventKind::Log:
        return Tab::Raw;
    }
    return Tab::Raw;
}

// --- Walkthrough and steps ------------------------------------------------------------------

void EvidenceInspector::setWalkthrough(const Walkthrough *walkthrough)
{
    m_walkthrough = walkthrough;
    m_index = walkthrough ? std::make_unique<EvidenceIndex>(*walkthrough) : nullptr;
    m_step = -1;
    clear();
    if (walkthrough && walkthrough->stepCount() > 0)
        showStep(0);
}

void EvidenceInspector::clear()
{
    QScopedValueRollback filling(m_filling, true);
    m_evidence = {};
    m_natPair = -1;
    const std::int64_t origin = m_walkthrough ? m_walkthrough->firstNs() : 0;
    m_apiModel->setExchanges({});
    m_syscallModel->setRows({}, origin);
    m_syscallFields->setFields({});
    m_packetModel->setRows({}, origin);
    m_natModel->setPair(nullptr);
    m_ruleModel->setRules({});
    m_objectModel->setRows({}, origin);
    m_rawModel->setRows({}, origin);
    showExchange(-1);
    showObject(-1);
    showRaw(-1);
    m_natPane->hide();
    m_ruleNote->clear();
    m_header->setText(m_walkthrough ? tr("No step selected") : tr("No trace open"));
    m_explanation->setPlainText(m_walkthrough
                                    ? tr("Pick a step to see what happened and the evidence.")
                                    : tr("Open a lesson or a recorded trace to inspect it."));
    for (int i = 0; i < kTabCount; ++i) {
        setTabEnabled(static_cast<Tab>(i), i == indexOf(Tab::Explanation));
        setTabCount(static_cast<Tab>(i), 0);
    }
    m_preferred = Tab::Explanation;
    m_tabs->setCurrentIndex(indexOf(Tab::Explanation));
}

void EvidenceInspector::showStep(int index)
{
    if (!m_walkthrough || index < 0 || index >= m_walkthrough->stepCount()) {
        m_step = -1;
        clear();
        return;
    }
    QScopedValueRollback filling(m_filling, true);
    m_step = index;
    m_evidence = m_index->collect(m_walkthrough->step(index));
    const std::int64_t origin = m_walkthrough->firstNs();
    m_header->setText(stepHeaderHtml(*m_walkthrough, m_step));
    m_staleTabs.fill(true);

    m_apiModel->setExchanges(m_evidence.exchanges);
    m_syscallModel->setRows(m_evidence.system, origin);
    m_packetModel->setRows(m_evidence.packets, origin);
    m_ruleModel->setRules(m_evidence.rules);
    m_objectModel->setRows(m_evidence.objects, origin);
    m_rawModel->setRows(m_evidence.all, origin);

    showExchange(-1);
    showSyscall(-1);
    showObject(-1);
    showRaw(-1);
    selectRow(m_apiList, m_evidence.exchanges.empty() ? -1 : 0);
    selectRow(m_syscallTable, m_evidence.system.empty() ? -1 : 0);
    selectRow(m_objectTable, m_evidence.objects.empty() ? -1 : 0);
    selectRow(m_rawList, m_evidence.all.empty() ? -1 : 0);
    showNatPair(m_evidence.preferredNatPair);
    // Nothing selected in the rules: the selection colour would hide the matched rule's.
    selectRow(m_ruleView, -1);
    describeRules();

    setTabEnabled(Tab::Explanation, true);
    setTabEnabled(Tab::Api, !m_evidence.exchanges.empty());
    setTabEnabled(Tab::Syscalls, !m_evidence.system.empty());
    setTabEnabled(Tab::Packets, !m_evidence.packets.empty() || !m_evidence.natPairs.empty());
    setTabEnabled(Tab::Rules, !m_evidence.rules.empty());
    setTabEnabled(Tab::Objects, !m_evidence.objects.empty());
    setTabEnabled(Tab::Raw, !m_evidence.all.empty());
    setTabCount(Tab::Api, m_evidence.exchanges.size());
    setTabCount(Tab::Syscalls, m_evidence.system.size());
    setTabCount(Tab::Packets, m_evidence.packets.size());
    setTabCount(Tab::Rules, m_evidence.rules.size());
    setTabCount(Tab::Objects, m_evidence.objects.size());
    setTabCount(Tab::Raw, m_evidence.all.size());

    m_preferred = computePreferredTab();
    if (!m_tabs->isTabEnabled(m_tabs->currentIndex()))
        setCurrentTab(m_preferred);
    refreshTab(currentTab());
}

void EvidenceInspector::renderExplanation()
{
    if (!m_walkthrough || m_step < 0)
        return;
    const double margin = currentTheme().basePointSize;
    m_explanation->document()->setDocumentMargin(margin);
    renderStepExplanation(m_explanation->document(), *m_walkthrough, m_step, m_evidence);
}

EvidenceInspector::Tab EvidenceInspector::computePreferredTab() const
{
    if (!m_walkthrough || m_step < 0 || m_evidence.empty() ||
        !m_walkthrough->step(m_step).matched())
        return Tab::Explanation;
    // The lesson lists a step's main evidence first (matcher 0).
    const Tab main = tabForKind(m_evidence.all.front().event->kind);
    if (main != Tab::Raw && isTabEnabled(main))
        return main;
    for (Tab tab : {Tab::Api, Tab::Syscalls, Tab::Packets, Tab::Rules, Tab::Objects})
        if (isTabEnabled(tab))
            return tab;
    return Tab::Explanation;
}

// --- Tabs -----------------------------------------------------------------------------------

void EvidenceInspector::setCurrentTab(Tab tab)
{
    m_tabs->setCurrentIndex(indexOf(tab));
}

EvidenceInspector::Tab EvidenceInspector::currentTab() const
{
    return static_cast<Tab>(std::clamp(m_tabs->currentIndex(), 0, kTabCount - 1));
}

bool EvidenceInspector::isTabEnabled(Tab tab) const
{
    return m_tabs->isTabEnabled(indexOf(tab));
}

void EvidenceInspector::setTabEnabled(Tab tab, bool enabled)
{
    const Page &page = m_pages[indexOf(tab)];
    page.stack->setCurrentIndex(enabled ? 0 : 1);
    // Each change lays the tab bar out again; most step switches change few tabs.
    if (m_tabs->isTabEnabled(indexOf(tab)) != enabled)
        m_tabs->setTabEnabled(indexOf(tab), enabled);
    fitTabs();
}

void EvidenceInspector::fitTabs()
{
    // When the seven names do not fit the column (a projector's type, a narrow window), the
    // tabs with nothing for the step step aside, so that the ones that matter are read whole.
    QTabBar *bar = m_tabs->tabBar();
    int needed = 0;
    for (int i = 0; i < kTabCount; ++i)
        needed += QFontMetrics(bar->font()).horizontalAdvance(m_tabs->tabText(i)) +
                  bar->style()->pixelMetric(QStyle::PM_TabBarTabHSpace, nullptr, bar);
    const bool allFit = needed <= m_tabs->width();
    for (int i = 0; i < kTabCount; ++i) {
        const bool visible = allFit || m_tabs->isTabEnabled(i);
        if (m_tabs->isTabVisible(i) != visible)
            m_tabs->setTabVisible(i, visible);
    }
}

void EvidenceInspector::setTabCount(Tab tab, std::size_t count)
{
    const QString &title = m_tabTitles[indexOf(tab)];
    const QString text = count > 0 ? QStringLiteral("%1 (%2)").arg(title).arg(count) : title;
    if (m_tabs->tabText(indexOf(tab)) != text) {
        m_tabs->setTabText(indexOf(tab), text);
        fitTabs();
    }
}

void EvidenceInspector::selectRow(QTableView *view, int row)
{
    if (row < 0 || row >= view->model()->rowCount()) {
        view->selectionModel()->clear();
        return;
    }
    const QModelIndex index = view->model()->index(row, 0);
    view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                       QItemSelectionModel::Rows);
    view->scrollTo(index);
}

// The explanation is written, and columns are sized, when their tab is first shown for a
// step: a step switch pays for the tab in view, not for all seven.
void EvidenceInspector::refreshTab(Tab tab)
{
    if (!m_staleTabs[indexOf(tab)])
        return;
    m_staleTabs[indexOf(tab)] = false;
    switch (tab) {
    case Tab::Api:
        fitColumns(m_apiList);
        break;
    case Tab::Syscalls:
        fitColumns(m_syscallTable);
        break;
    case Tab::Packets:
        fitColumns(m_packetTable);
        break;
    case Tab::Rules:
        fitColumns(m_ruleView);
        break;
    case Tab::Objects:
        fitColumns(m_objectTable);
        break;
    case Tab::Raw:
        fitColumns(m_rawList);
        break;
    case Tab::Explanation:
        renderExplanation();
        break;
    }
}

// --- What a selection shows -----------------------------------------------------------------

void EvidenceInspector::showExchange(int row)
{
    const Exchange *exchange = m_apiModel->exchangeAt(row);
    if (!exchange) {
        m_requestTitle->setText(tr("Request"));
        m_responseTitle->setText(tr("Response"));
        m_request->clear();
        m_response->clear();
        return;
    }
    m_requestTitle->setText(
        QStringLiteral("<b>%1</b>").arg(requestTitle(*exchange).toHtmlEscaped()));
    m_responseTitle->setText(
        QStringLiteral("<b style=\"color:%1\">%2</b>")
            .arg(colourName(exchange->response && exchangeFailed(*exchange) ? currentTheme().missing
                                                                            : currentTheme().text),
                 responseTitle(*exchange).toHtmlEscaped()));
    m_request->setPlainText(requestText(*exchange));
    m_response->setPlainText(responseText(*exchange));
}

void EvidenceInspector::showSyscall(int row)
{
    const Event *event = m_syscallModel->eventAt(row);
    m_syscallFields->setFields(event ? decodedFields(*event)
                                     : std::vector<std::pair<QString, QString>>{});
    m_syscallDetail->resizeColumnToContents(0);
}

void EvidenceInspector::showPacket(int row)
{
    const Event *packet = m_packetModel->eventAt(row);
    if (!packet)
        return;
    // Picking a packet that belongs to a NAT pair shows that pair.
    const auto &pairs = m_evidence.natPairs;
    if (m_natPair >= 0 && m_natPair < static_cast<int>(pairs.size()) &&
        pairs[m_natPair].involves(packet->seq))
        return;
    for (std::size_t i = 0; i < pairs.size(); ++i)
        if (pairs[i].involves(packet->seq)) {
            showNatPair(static_cast<int>(i));
            return;
        }
}

void EvidenceInspector::showNatPair(int pairIndex)
{
    const auto &pairs = m_evidence.natPairs;
    if (pairIndex < 0 || pairIndex >= static_cast<int>(pairs.size())) {
        m_natPair = -1;
        m_natModel->setPair(nullptr);
        m_packetModel->setEmphasized({});
        m_natPane->hide();
        return;
    }
    m_natPair = pairIndex;
    const NatPair &pair = pairs[pairIndex];
    m_natModel->setPair(&pair);
    std::unordered_set<std::uint64_t> emphasized;
    for (const Event *packet : {pair.before, pair.after})
        if (packet)
            emphasized.insert(packet->seq);
    m_packetModel->setEmphasized(std::move(emphasized));

    const Theme &theme = currentTheme();
    QString route;
    if (pair.before && pair.after)
        route =
            packetInterface(*pair.before) + QStringLiteral(" → ") + packetInterface(*pair.after);
    else if (pair.pairEvent)
        route = tr("conntrack flow in %1").arg(qs(attrText(*pair.pairEvent, "netns")));
    QString title;
    QString note;
    if (pair.isNatPair()) {
        const QString nat = pair.nat.empty() || pair.nat == "none" || pair.nat == "both"
                                ? QStringLiteral("NAT")
                                : qs(pair.nat).toUpper();
        title = QStringLiteral("<b>%1 pair</b>").arg(nat);
        if (!pair.direction.empty())
            title += QStringLiteral(" · ") + qs(pair.direction).toHtmlEscaped();
        note = QStringLiteral("<span style=\"background-color:%1\">&nbsp;highlighted&nbsp;"
                              "</span> fields were rewritten by %2")
                   .arg(colourName(theme.changedField), nat);
        if (QString rule = qs(attrText(*pair.pairEvent, "ruleText")); !rule.isEmpty())
            note += QStringLiteral(", by the rule <code>%1</code>").arg(rule.toHtmlEscaped());
        note += QStringLiteral(".");
        if (pair.before && pair.after)
            note += tr(" TTL and MAC addresses differ too: the packet was routed, not rewritten.");
        if (m_walkthrough)
            if (auto flowSeq = attrInteger(*pair.pairEvent, "conntrackSeq"))
                if (const Event *flow = m_walkthrough->event(static_cast<std::uint64_t>(*flowSeq)))
                    note +=
                        QStringLiteral("<br><span style=\"color:%1\">conntrack: %2</span>")
                            .arg(colourName(theme.mutedText), qs(flow->summary).toHtmlEscaped());
    } else {
        // Two packets the lesson names, and no captured conntrack event joining them.
        title = tr("<b>Two packets</b> · not paired: no conntrack event");
        note = tr("<span style=\"background-color:%1\">&nbsp;highlighted&nbsp;</span> fields "
                  "differ between the two packets. No conntrack event pairs them, so nothing "
                  "captured shows that one is the other after address translation.")
                   .arg(colourName(theme.changedField));
    }
    if (!route.isEmpty())
        title += QStringLiteral(" · ") + route.toHtmlEscaped();
    if (pairs.size() > 1)
        title += QStringLiteral("<span style=\"color:%1\"> — pair %2 of %3; pick a packet "
                                "above to compare another</span>")
                     .arg(colourName(theme.mutedText))
                     .arg(pairIndex + 1)
                     .arg(pairs.size());
    m_natTitle->setText(title);

    m_natNote->setText(note);
    m_natPane->show();
    fitNatPane();
}

void EvidenceInspector::describeRules()
{
    const auto &rules = m_ruleModel->rules();
    if (rules.empty()) {
        m_ruleNote->clear();
        return;
    }
    const bool anyMatched =
        std::any_of(rules.begin(), rules.end(), [](auto &r) { return r.matched; });
    QString note = tr("The chains as the rule monitor saw them up to this step, in the order a "
                      "packet meets them.");
    if (anyMatched)
        note += QStringLiteral(" <span style=\"background-color:%1\">&nbsp;Highlighted&nbsp;"
                               "</span> ")
                    .arg(colourName(currentTheme().changedField)) +
                tr("is the rule this step's evidence names, with its counters.");
    m_ruleNote->setText(note);
}

void EvidenceInspector::showObject(int row)
{
    const Event *event = m_objectModel->eventAt(row);
    m_objectBody->setPlainText(event ? objectBody(*event) : QString());
}

void EvidenceInspector::showRaw(int row)
{
    const Event *event = m_rawModel->eventAt(row);
    m_raw->setPlainText(event ? eventJson(*event) : QString());
}

void EvidenceInspector::openLink(const QUrl &url)
{
    if (url.scheme() != QLatin1String(kEventLinkScheme))
        return;
    bool ok = false;
    const std::uint64_t seq = url.path().toULongLong(&ok);
    if (!ok)
        return;
    showEvent(seq);
    emit eventActivated(seq);
}

// --- An event picked elsewhere --------------------------------------------------------------

void EvidenceInspector::showEvent(std::uint64_t seq)
{
    if (!m_walkthrough)
        return;
    QScopedValueRollback filling(m_filling, true);
    const Event *event = m_walkthrough->event(seq);
    if (!event) {
        m_rawList->selectionModel()->clear();
        m_raw->setPlainText(tr("No event with seq %1 in this trace.").arg(seq));
        setTabEnabled(Tab::Raw, true);
        setCurrentTab(Tab::Raw);
        return;
    }
    const std::string picked = "picked elsewhere";
    int rawRow = m_rawModel->rowOf(seq);
    if (rawRow < 0)
        rawRow = m_rawModel->appendRow({event, picked});
    setTabEnabled(Tab::Raw, true);
    setTabCount(Tab::Raw, m_rawModel->rowCount());
    // Selecting a row shows it (see followSelection); the pick is not echoed as the user's.
    selectRow(m_rawList, rawRow);

    const Tab tab = tabForKind(event->kind);
    switch (tab) {
    case Tab::Api: {
        int row = m_apiModel->rowOf(seq);
        if (row < 0) {
            Exchange exchange = m_index->exchangeFor(*event);
            exchange.role = picked;
            row = m_apiModel->appendExchange(std::move(exchange));
        }
        selectRow(m_apiList, row);
        setTabCount(tab, m_apiModel->rowCount());
        fitColumns(m_apiList);
        break;
    }
    case Tab::Syscalls: {
        int row = m_syscallModel->rowOf(seq);
        if (row < 0)
            row = m_syscallModel->appendRow({event, picked});
        selectRow(m_syscallTable, row);
        setTabCount(tab, m_syscallModel->rowCount());
        fitColumns(m_syscallTable);
        break;
    }
    case Tab::Packets: {
        auto &pairs = m_evidence.natPairs;
        if (event->kind == EventKind::Conntrack) {
            auto it = std::find_if(pairs.begin(), pairs.end(),
                                   [&](const NatPair &p) { return p.pairEvent == event; });
            if (it == pairs.end())
                it = pairs.insert(pairs.end(), m_index->natPairFor(*event));
            showNatPair(static_cast<int>(it - pairs.begin()));
            break;
        }
        int row = m_packetModel->rowOf(seq);
        if (row < 0)
            row = m_packetModel->appendRow({event, picked});
        selectRow(m_packetTable, row);
        setTabCount(tab, m_packetModel->rowCount());
        fitColumns(m_packetTable);
        break;
    }
    case Tab::Rules: {
        std::vector<RuleRow> rules = m_ruleModel->rules();
        const std::string text = attrText(*event, "rule");
        auto same = [&](const RuleRow &r) {
            return r.rule == text && r.chain == attrText(*event, "chain") &&
                   r.table == attrText(*event, "table");
        };
        if (std::none_of(rules.begin(), rules.end(), same))
            for (RuleRow &row : m_index->rulesFor({{event, picked}}, {}, seq))
                rules.push_back(std::move(row));
        m_ruleModel->setRules(std::move(rules));
        const auto &shown = m_ruleModel->rules();
        const auto it = std::find_if(shown.begin(), shown.end(), same);
        selectRow(m_ruleView, it == shown.end() ? -1 : static_cast<int>(it - shown.begin()));
        setTabCount(tab, shown.size());
        describeRules();
        fitColumns(m_ruleView);
        break;
    }
    case Tab::Objects: {
        int row = m_objectModel->rowOf(seq);
        if (row < 0)
            row = m_objectModel->appendRow({event, picked});
        selectRow(m_objectTable, row);
        setTabCount(tab, m_objectModel->rowCount());
        fitColumns(m_objectTable);
        break;
    }
    case Tab::Explanation:
    case Tab::Raw:
        break;
    }
    setTabEnabled(tab, true);
    setCurrentTab(tab);
}

} // namespace flowlab
