#pragma once

// The evidence inspector: for the current step, the lesson's explanation and the evidence
// that proves it, one tab per kind (API exchanges, syscalls, packets with the NAT pair side
// by side, firewall rules, Kubernetes objects, raw JSON). A missing step says "not observed"
// with what was not seen.
//
// Switching steps touches only that step's evidence: an index of links and rule chains is
// built once in setWalkthrough(), each tab is a small model over the step's own events, and
// the explanation is written and columns sized only for the tab in view. Fonts and colours
// come from the current Theme; Ctrl+1 … Ctrl+7 pick a tab.

#include "app/desktop/inspector/EvidenceIndex.h"

#include <QWidget>
#include <array>
#include <cstdint>
#include <memory>

class QAbstractItemModel;
class QLabel;
class QModelIndex;
class QPlainTextEdit;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTextBrowser;
class QUrl;

namespace flowlab {

class ApiExchangeModel;
class EvidenceListModel;
class FieldTableModel;
class NatPairModel;
class ObjectTableModel;
class PacketTableModel;
class RuleChainModel;
class SyscallTableModel;

class EvidenceInspector : public QWidget
{
    Q_OBJECT
public:
    enum class Tab { Explanation, Api, Syscalls, Packets, Rules, Objects, Raw };
    Q_ENUM(Tab)

    explicit EvidenceInspector(QWidget *parent = nullptr);
    ~EvidenceInspector() override;

    // The walkthrough must outlive the inspector or be replaced first; nullptr clears.
    void setWalkthrough(const Walkthrough *walkthrough);
    // Fills every tab from the step's evidence. Tabs with nothing for the step are disabled
    // (and say so); if the current tab is one of them, the preferred tab is shown instead.
    void showStep(int index);
    int currentStep() const { return m_step; }
    // An event picked elsewhere (the timeline): shown in Raw and selected in its kind's tab,
    // which becomes current. An event outside the step is added to that tab's list.
    void showEvent(std::uint64_t seq);

    void setCurrentTab(Tab tab);
    Tab currentTab() const;
    // The tab that tells the step best: the kind of its main evidence; Explanation for a
    // missing step.
    Tab preferredTab() const { return m_preferred; }
    bool isTabEnabled(Tab tab) const;
    static Tab tabForKind(EventKind kind);

signals:
    // The user picked an event in one of the lists (so the timeline can follow).
    void eventActivated(std::uint64_t seq);

protected:
    using QWidget::showEvent; // the QShowEvent handler stays as QWidget has it
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    static constexpr int kTabCount = 7;
    static int indexOf(Tab tab) { return static_cast<int>(tab); }

    struct Page
    {
        QStackedWidget *stack = nullptr;
        QLabel *empty = nullptr;
    };

    void buildTabs();
    QWidget *buildApiPage();
    QWidget *buildSyscallPage();
    QWidget *buildPacketPage();
    QWidget *buildRulePage();
    QWidget *buildObjectPage();
    QWidget *buildRawPage();
    void addPage(Tab tab, QWidget *content, const QString &title, const QString &emptyText);
    QTableView *makeTable(QAbstractItemModel *model, const QString &name);
    void followSelection(QTableView *view, void (EvidenceInspector::*onRow)(int));

    void clear();
    void setTabEnabled(Tab tab, bool enabled);
    void setTabCount(Tab tab, std::size_t count);
    void fitTabs();
    Tab computePreferredTab() const;
    void selectRow(QTableView *view, int row);
    void refreshTab(Tab tab);
    void fitColumns(QTableView *view);
    static int widestWord(QTableView *view, int column);
    void applyTheme();
    void renderExplanation();

    void showExchange(int row);
    void showSyscall(int row);
    void showPacket(int row);
    void showNatPair(int pairIndex);
    void fitNatPane();
    void showObject(int row);
    void showRaw(int row);
    void describeRules();
    void openLink(const QUrl &url);

    const Walkthrough *m_walkthrough = nullptr;
    std::unique_ptr<EvidenceIndex> m_index;
    StepEvidenceSet m_evidence;
    int m_step = -1;
    int m_natPair = -1;
    Tab m_preferred = Tab::Explanation;
    bool m_filling = false; // selections made by the inspector itself are not the user's

    QLabel *m_header = nullptr;
    QTabWidget *m_tabs = nullptr;
    std::array<Page, kTabCount> m_pages{};
    std::array<QString, kTabCount> m_tabTitles;
    std::array<bool, kTabCount> m_staleTabs{};

    QTextBrowser *m_explanation = nullptr;
    QTableView *m_apiList = nullptr;
    QLabel *m_requestTitle = nullptr;
    QLabel *m_responseTitle = nullptr;
    QPlainTextEdit *m_request = nullptr;
    QPlainTextEdit *m_response = nullptr;
    QTableView *m_syscallTable = nullptr;
    QTableView *m_syscallDetail = nullptr;
    QTableView *m_packetTable = nullptr;
    QSplitter *m_packetSplitter = nullptr;
    bool m_packetSplitterMoved = false;
    QWidget *m_natPane = nullptr;
    QLabel *m_natTitle = nullptr;
    QTableView *m_natView = nullptr;
    QLabel *m_natNote = nullptr;
    QLabel *m_ruleNote = nullptr;
    QTableView *m_ruleView = nullptr;
    QTableView *m_objectTable = nullptr;
    QPlainTextEdit *m_objectBody = nullptr;
    QTableView *m_rawList = nullptr;
    QPlainTextEdit *m_raw = nullptr;

    ApiExchangeModel *m_apiModel = nullptr;
    SyscallTableModel *m_syscallModel = nullptr;
    FieldTableModel *m_syscallFields = nullptr;
    PacketTableModel *m_packetModel = nullptr;
    NatPairModel *m_natModel = nullptr;
    RuleChainModel *m_ruleModel = nullptr;
    ObjectTableModel *m_objectModel = nullptr;
    EvidenceListModel *m_rawModel = nullptr;
};

} // namespace flowlab
