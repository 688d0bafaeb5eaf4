// How the inspector is laid out and styled: its tabs, their tables and text views, and the
// theme's fonts and colours. What they show for a step is in EvidenceInspector.cpp.

#include "app/desktop/inspector/EvidenceInspector.h"
#include "app/desktop/inspector/EvidenceModels.h"
#include "app/desktop/inspector/NetworkModels.h"
#include "app/desktop/inspector/StepExplanation.h"
#include "app/desktop/theme/Theme.h"

#include <QApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <algorithm>

namespace flowlab {

namespace {

QPlainTextEdit *makeCodeView(const QString &name)
{
    auto *view = new QPlainTextEdit;
    view->setObjectName(name);
    view->setReadOnly(true);
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    view->setTabChangesFocus(true);
    view->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return view;
}

QLabel *makeTitle(const QString &name)
{
    auto *label = new QLabel;
    label->setObjectName(name);
    label->setTextFormat(Qt::RichText);
    label->setWordWrap(true);
    return label;
}

QWidget *titled(QLabel *title, QWidget *body)
{
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(title);
    layout->addWidget(body, 1);
    return box;
}

QSplitter *makeSplitter(Qt::Orientation orientation, std::initializer_list<QWidget *> parts,
                        std::initializer_list<int> stretch)
{
    auto *splitter = new QSplitter(orientation);
    splitter->setChildrenCollapsible(false);
    for (QWidget *part : parts)
        splitter->addWidget(part);
    int i = 0;
    for (int factor : stretch)
        splitter->setStretchFactor(i++, factor);
    return splitter;
}

} // namespace

EvidenceInspector::EvidenceInspector(QWidget *parent)
    : QWidget(parent)
    , m_apiModel(new ApiExchangeModel(this))
    , m_syscallModel(new SyscallTableModel(this))
    , m_syscallFields(new FieldTableModel(this))
    , m_packetModel(new PacketTableModel(this))
    , m_natModel(new NatPairModel(this))
    , m_ruleModel(new RuleChainModel(this))
    , m_objectModel(new ObjectTableModel(this))
    , m_rawModel(new EvidenceListModel(this))
{
    setObjectName(QStringLiteral("evidenceInspector"));
    auto *layout = new QVBoxLayout(this);
    m_header = makeTitle(QStringLiteral("stepHeader"));
    layout->addWidget(m_header);
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("inspectorTabs"));
    m_tabs->setDocumentMode(true);
    // Tab names are never cut: when the row is too narrow it scrolls instead.
    m_tabs->tabBar()->setElideMode(Qt::ElideNone);
    m_tabs->tabBar()->setUsesScrollButtons(true);
    m_tabs->tabBar()->setExpanding(false);
    connect(m_tabs, &QTabWidget::currentChanged, this,
            [this](int index) { refreshTab(static_cast<Tab>(index)); });
    layout->addWidget(m_tabs, 1);
    m_tabs->installEventFilter(this);
    buildTabs();

    // Ctrl+1 … Ctrl+7 pick a tab while the focus is anywhere in the inspector.
    for (int i = 0; i < kTabCount; ++i) {
        auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, [this, i] {
            if (m_tabs->isTabEnabled(i))
                m_tabs->setCurrentIndex(i);
        });
        m_tabs->setTabToolTip(i, tr("Ctrl+%1").arg(i + 1));
    }

    connect(&ThemeManager::instance(), &ThemeManager::themeChanged, this,
            &EvidenceInspector::applyTheme);
    applyTheme();
    clear();
}

EvidenceInspector::~EvidenceInspector() = default;

// --- Building -------------------------------------------------------------------------------

void EvidenceInspector::buildTabs()
{
    m_explanation = new QTextBrowser;
    m_explanation->setObjectName(QStringLiteral("explanation"));
    m_explanation->setOpenLinks(false);
    connect(m_explanation, &QTextBrowser::anchorClicked, this, &EvidenceInspector::openLink);
    addPage(Tab::Explanation, m_explanation, tr("Explanation"), tr("No step is selected."));
    addPage(Tab::Api, buildApiPage(), tr("API"),
            tr("Nothing of this kind in this step: no API requests, gRPC calls or commands."));
    addPage(Tab::Syscalls, buildSyscallPage(), tr("Syscalls"),
            tr("Nothing of this kind in this step: no system calls, processes or netlink "
               "messages."));
    addPage(Tab::Packets, buildPacketPage(), tr("Packets"),
            tr("Nothing of this kind in this step: no packets or address translations."));
    addPage(Tab::Rules, buildRulePage(), tr("Rules"),
            tr("Nothing of this kind in this step: no firewall rules."));
    addPage(Tab::Objects, buildObjectPage(), tr("Objects"),
            tr("Nothing of this kind in this step: no Kubernetes objects or store keys."));
    addPage(Tab::Raw, buildRawPage(), tr("Raw"),
            tr("Nothing of this kind in this step: no evidence was recorded."));
}

void EvidenceInspector::addPage(Tab tab, QWidget *content, const QString &title,
                                const QString &emptyText)
{
    Page &page = m_pages[indexOf(tab)];
    page.stack = new QStackedWidget;
    page.empty = new QLabel(emptyText);
    page.empty->setObjectName(QStringLiteral("emptyNote"));
    page.empty->setAlignment(Qt::AlignCenter);
    page.empty->setWordWrap(true);
    page.stack->addWidget(content);
    page.stack->addWidget(page.empty);
    m_tabTitles[indexOf(tab)] = title;
    m_tabs->addTab(page.stack, title);
}

QTableView *EvidenceInspector::makeTable(QAbstractItemModel *model, const QString &name)
{
    auto *view = new QTableView;
    view->setObjectName(name);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(true);
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->setTabKeyNavigation(false); // Tab leaves the table, arrows move in it
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    return view;
}

void EvidenceInspector::followSelection(QTableView *view, void (EvidenceInspector::*onRow)(int))
{
    connect(view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this, onRow](const QModelIndex &current) {
                if (onRow)
                    (this->*onRow)(current.isValid() ? current.row() : -1);
                if (m_filling || !current.isValid())
                    return;
                if (const auto seq = current.data(SeqRole).toULongLong())
                    emit eventActivated(seq);
            });
}

QWidget *EvidenceInspector::buildApiPage()
{
    m_apiList = makeTable(m_apiModel, QStringLiteral("apiList"));
    followSelection(m_apiList, &EvidenceInspector::showExchange);
    m_requestTitle = makeTitle(QStringLiteral("apiRequestTitle"));
    m_responseTitle = makeTitle(QStringLiteral("apiResponseTitle"));
    m_request = makeCodeView(QStringLiteral("apiRequest"));
    m_response = makeCodeView(QStringLiteral("apiResponse"));
    auto *bodies = makeSplitter(
        Qt::Horizontal, {titled(m_requestTitle, m_request), titled(m_responseTitle, m_response)},
        {1, 1});
    auto *page = makeSplitter(Qt::Vertical, {m_apiList, bodies}, {1, 4});
    page->setObjectName(QStringLiteral("apiView"));
    return page;
}

QWidget *EvidenceInspector::buildSyscallPage()
{
    m_syscallTable = makeTable(m_syscallModel, QStringLiteral("syscallTable"));
    followSelection(m_syscallTable, &EvidenceInspector::showSyscall);
    // The arguments are the point (the namespace flags, the cgroup path): they take the room
    // left by the short columns and wrap, at '|', '/' or '-', rather than being cut.
    // The other columns are kept to a couple of words a line (fitColumns) and wrap too.
    QHeaderView *columns = m_syscallTable->horizontalHeader();
    columns->setStretchLastSection(false);
    columns->setSectionResizeMode(SyscallTableModel::Arguments, QHeaderView::Stretch);
    m_syscallTable->setWordWrap(true);
    m_syscallTable->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_syscallTable->installEventFilter(this);
    m_syscallDetail = makeTable(m_syscallFields, QStringLiteral("syscallDetail"));
    m_syscallDetail->setWordWrap(true);
    m_syscallDetail->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return makeSplitter(Qt::Vertical, {m_syscallTable, m_syscallDetail}, {3, 2});
}

QWidget *EvidenceInspector::buildPacketPage()
{
    m_packetTable = makeTable(m_packetModel, QStringLiteral("packetTable"));
    followSelection(m_packetTable, &EvidenceInspector::showPacket);
    m_packetTable->installEventFilter(this);
    m_natTitle = makeTitle(QStringLiteral("natPairTitle"));
    m_natView = makeTable(m_natModel, QStringLiteral("natPairView"));
    m_natView->setAlternatingRowColors(false);
    m_natView->setSelectionMode(QAbstractItemView::NoSelection);
    m_natView->setFocusPolicy(Qt::NoFocus);
    m_natView->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_natView->horizontalHeader()->setSectionResizeMode(NatPairModel::Field,
                                                        QHeaderView::ResizeToContents);
    // Before and after share the width; a value too long for its half (an interface name on
    // a projector) wraps at '/' or '-' instead of losing its end.
    m_natView->setWordWrap(true);
    m_natView->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_natNote = makeTitle(QStringLiteral("natPairNote"));
    // The labels keep their own height, so that spare room goes to the packet list.
    for (QLabel *label : {m_natTitle, m_natNote})
        label->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    m_natPane = new QWidget;
    m_natPane->setObjectName(QStringLiteral("natPairPane"));
    auto *layout = new QVBoxLayout(m_natPane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_natTitle);
    layout->addWidget(m_natView, 1);
    layout->addWidget(m_natNote);
    m_packetSplitter = makeSplitter(Qt::Vertical, {m_packetTable, m_natPane}, {1, 0});
    connect(m_packetSplitter, &QSplitter::splitterMoved, this,
            [this] { m_packetSplitterMoved = true; });
    m_packetSplitter->installEventFilter(this);
    return m_packetSplitter;
}

QWidget *EvidenceInspector::buildRulePage()
{
    m_ruleNote = makeTitle(QStringLiteral("ruleNote"));
    m_ruleView = makeTable(m_ruleModel, QStringLiteral("ruleView"));
    followSelection(m_ruleView, nullptr); // a rule row shows nothing more
    // The rule text is what matters; the other columns take what they need.
    m_ruleView->horizontalHeader()->setStretchLastSection(false);
    m_ruleView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_ruleView->horizontalHeader()->setSectionResizeMode(RuleChainModel::Rule,
                                                         QHeaderView::Stretch);
    // A rule's target (where DNAT sends the packet) comes last: wrap rather than cut it.
    m_ruleView->setWordWrap(true);
    m_ruleView->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return titled(m_ruleNote, m_ruleView);
}

QWidget *EvidenceInspector::buildObjectPage()
{
    m_objectTable = makeTable(m_objectModel, QStringLiteral("objectView"));
    followSelection(m_objectTable, &EvidenceInspector::showObject);
    m_objectBody = makeCodeView(QStringLiteral("objectBody"));
    return makeSplitter(Qt::Vertical, {m_objectTable, m_objectBody}, {1, 3});
}

QWidget *EvidenceInspector::buildRawPage()
{
    m_rawList = makeTable(m_rawModel, QStringLiteral("rawList"));
    followSelection(m_rawList, &EvidenceInspector::showRaw);
    m_raw = makeCodeView(QStringLiteral("rawView"));
    return makeSplitter(Qt::Horizontal, {m_rawList, m_raw}, {2, 3});
}

// The width of the longest word in a column (and of its header), with the cell's padding:
// narrower, a word would be cut; wider is not needed when the column wraps.
int EvidenceInspector::widestWord(QTableView *view, int column)
{
    const QAbstractItemModel *model = view->model();
    auto widest = [](const QFont &font, const QString &text) {
        const QFontMetrics metrics(font);
        int width = 0;
        for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts))
            width = std::max(width, metrics.horizontalAdvance(word));
        return width;
    };
    int width = widest(view->horizontalHeader()->font(),
                       model->headerData(column, Qt::Horizontal).toString());
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, column);
        const QVariant font = index.data(Qt::FontRole);
        width = std::max(width, widest(font.isValid() ? font.value<QFont>() : view->font(),
                                       index.data(Qt::DisplayRole).toString()));
    }
    const int padding = 2 * (view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin) + 1) + 8;
    return width + padding;
}

void EvidenceInspector::fitColumns(QTableView *view)
{
    // Sized to the step's few rows. Columns the view does not size itself get their contents'
    // width, up to a readable one (the tooltip has the whole text); the last column, or the
    // one set to stretch, takes what is left. In a table that wraps, the narrow columns keep
    // to a couple of words a line and wrap, leaving the room to the one that matters.
    QHeaderView *header = view->horizontalHeader();
    const int cap = QFontMetrics(codeFont()).averageCharWidth() * 64;
    for (int column = 0; column < header->count(); ++column) {
        if (header->sectionResizeMode(column) != QHeaderView::Interactive)
            continue;
        if (column + 1 == header->count() && header->stretchLastSection())
            continue;
        view->resizeColumnToContents(column);
        const int width = view->wordWrap()
                              ? std::min(header->sectionSize(column), widestWord(view, column))
                              : std::min(header->sectionSize(column), cap);
        header->resizeSection(column, width);
    }
    if (view->wordWrap())
        view->resizeRowsToContents();
}

// The pair takes the height of its rows and notes; until the learner drags the handle, the
// packet list gets the rest.
void EvidenceInspector::fitNatPane()
{
    if (m_natPane->isHidden())
        return;
    const int headerHeight = m_natView->horizontalHeader()->sizeHint().height();
    const int rowHeight = m_natView->verticalHeader()->defaultSectionSize();
    // Rows are as tall as their wrapped values.
    m_natView->resizeRowsToContents();
    int rowsHeight = 0;
    for (int row = 0; row < m_natModel->rowCount(); ++row)
        rowsHeight += m_natView->rowHeight(row);
    const int tableHeight = headerHeight + rowsHeight + 2 * m_natView->frameWidth();
    m_natView->setMaximumHeight(tableHeight);
    // On a small window the pair scrolls rather than pushing over the note below it.
    m_natView->setMinimumHeight(std::min(tableHeight, headerHeight + 3 * rowHeight));
    const int paneWidth = m_packetSplitter->width() > 0
                              ? m_packetSplitter->width()
                              : width() - 2 * layout()->contentsMargins().left();
    const int spacing = m_natPane->layout()->spacing();
    m_natPane->setMaximumHeight(m_natTitle->heightForWidth(paneWidth) + tableHeight +
                                m_natNote->heightForWidth(paneWidth) + 2 * spacing);
    if (m_packetSplitterMoved || m_packetSplitter->height() <= 0)
        return;
    // The pair gets what it needs, as long as three packets stay in view above it.
    const int total = m_packetSplitter->height() - m_packetSplitter->handleWidth();
    const int packetList = m_packetTable->horizontalHeader()->sizeHint().height() +
                           3 * m_packetTable->verticalHeader()->defaultSectionSize() +
                           m_packetTable->horizontalScrollBar()->sizeHint().height() +
                           2 * m_packetTable->frameWidth();
    const int pane = std::max(0, std::min(m_natPane->maximumHeight(), total - packetList));
    m_packetSplitter->setSizes({total - pane, pane});
}

bool EvidenceInspector::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_tabs && event->type() == QEvent::Resize)
        fitTabs();
    // The packet page is laid out only when its tab is shown, so balance it then too.
    if (watched == m_packetSplitter && event->type() == QEvent::Resize)
        fitNatPane();
    // In a narrow column the syscall arguments need the room more than the time and the
    // process do (the decoded fields below have the process, the Raw tab both); likewise the
    // packet number, time and protocol give way to the addresses (the info column still
    // names the protocol). A column that comes back is sized again.
    if ((watched == m_syscallTable || watched == m_packetTable) &&
        event->type() == QEvent::Resize) {
        struct NarrowColumn
        {
            QTableView *view;
            int column;
            int hiddenBelowChars;
        };
        const NarrowColumn narrow[] = {
            {m_syscallTable, SyscallTableModel::Time, 90},
            {m_syscallTable, SyscallTableModel::Process, 70},
            {m_packetTable, PacketTableModel::Number, 110},
            {m_packetTable, PacketTableModel::Time, 110},
            {m_packetTable, PacketTableModel::Protocol, 80},
        };
        auto *table = static_cast<QTableView *>(watched);
        const int chars = QFontMetrics(codeFont()).averageCharWidth();
        bool shown = false;
        for (const NarrowColumn &candidate : narrow) {
            if (candidate.view != table)
                continue;
            const bool hide = table->width() < candidate.hiddenBelowChars * chars;
            shown |= table->isColumnHidden(candidate.column) && !hide;
            table->setColumnHidden(candidate.column, hide);
        }
        if (shown)
            fitColumns(table);
    }
    return QWidget::eventFilter(watched, event);
}

// --- Theme ----------------------------------------------------------------------------------

void EvidenceInspector::applyTheme()
{
    const Theme &theme = currentTheme();
    const int margin = static_cast<int>(theme.basePointSize * 0.8);
    layout()->setContentsMargins(margin, margin, margin, margin);
    layout()->setSpacing(margin / 2);
    setFont(theme.font());
    m_header->setFont(theme.font(1.15));
    // Seven tab names in a column beside the diagram: a little smaller on a projector.
    m_tabs->tabBar()->setFont(theme.font(theme.presenter ? 0.85 : 1.0, true));
    // A tab with nothing for the step must look off at a glance, also on a projector.
    QPalette tabPalette = QApplication::palette();
    QColor off = theme.mutedText;
    off.setAlphaF(0.45);
    for (QPalette::ColorRole role : {QPalette::ButtonText, QPalette::WindowText, QPalette::Text})
        tabPalette.setColor(QPalette::Disabled, role, off);
    m_tabs->tabBar()->setPalette(tabPalette);
    for (const Page &page : m_pages) {
        page.empty->setFont(theme.font(1.1));
        QPalette muted = QApplication::palette();
        muted.setColor(QPalette::WindowText, theme.mutedText);
        page.empty->setPalette(muted);
        page.stack->setContentsMargins(0, margin / 2, 0, 0);
    }
    const QFont code = codeFont();
    for (QPlainTextEdit *view : {m_request, m_response, m_objectBody, m_raw})
        view->setFont(code);
    const QFontMetrics metrics(code);
    const int rowHeight =
        static_cast<int>(std::max(metrics.height(), QFontMetrics(theme.font()).height()) * 1.5);
    for (QTableView *view : {m_apiList, m_syscallTable, m_syscallDetail, m_packetTable, m_natView,
                             m_ruleView, m_objectTable, m_rawList}) {
        view->setFont(theme.font());
        view->horizontalHeader()->setFont(theme.font(1.0, true));
        view->verticalHeader()->setDefaultSectionSize(rowHeight);
    }
    m_apiModel->themeChanged();
    m_syscallModel->themeChanged();
    m_syscallFields->themeChanged();
    m_packetModel->themeChanged();
    m_natModel->themeChanged();
    m_ruleModel->themeChanged();
    m_objectModel->themeChanged();
    m_rawModel->themeChanged();
    fitTabs();
    if (m_step >= 0) {
        m_header->setText(stepHeaderHtml(*m_walkthrough, m_step));
        showExchange(m_apiList->currentIndex().row());
        showNatPair(m_natPair);
        describeRules();
        m_staleTabs.fill(true);
        refreshTab(currentTab());
    }
}

} // namespace flowlab
