#include "app/desktop/live/LivePanel.h"

#include "app/desktop/live/LiveSession.h"
#include "app/desktop/theme/Theme.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace flowlab {

namespace {

// Enough rows to follow a run; older ones are in the timeline and the bundle.
constexpr int kMaxEventRows = 2000;
// How long after kubectl exits its effects still count as its own: the controllers and the
// scheduler react to what it stored within a second or so.
constexpr int kKubectlSettleMs = 2000;

} // namespace

LivePanel::LivePanel(LiveSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    setObjectName("livePanel");
    m_labState = new QLabel(this);
    m_labState->setObjectName("labState");
    m_labState->setWordWrap(true);
    m_labState->setTextFormat(Qt::RichText);
    m_up = new QPushButton(tr("Lab up"), this);
    m_up->setObjectName("labUpButton");
    m_up->setToolTip(tr("Create the lab's namespaces and start its registry and Docker engine"));
    m_down = new QPushButton(tr("Lab down"), this);
    m_down->setObjectName("labDownButton");
    m_down->setToolTip(tr("Stop everything the lab started and remove it all"));
    m_command = new QLineEdit(this);
    m_command->setObjectName("commandBox");
    m_command->setPlaceholderText(
        tr("docker run -d -p 8080:80 nginx   (Enter runs it in the lab)"));
    m_command->setClearButtonEnabled(true);
    m_output = new QPlainTextEdit(this);
    m_output->setObjectName("commandOutput");
    m_output->setReadOnly(true);
    m_output->setMaximumBlockCount(5000);
    m_output->setPlaceholderText(tr("Progress and command output appear here."));
    m_events = new QTableWidget(0, 4, this);
    m_events->setObjectName("events");
    m_events->setHorizontalHeaderLabels({"#", tr("kind"), tr("component"), tr("what happened")});
    m_events->horizontalHeader()->setStretchLastSection(true);
    m_events->verticalHeader()->hide();
    m_events->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_events->setSelectionBehavior(QAbstractItemView::SelectRows);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_labState, 1);
    buttons->addWidget(m_up);
    buttons->addWidget(m_down);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_output);
    split->addWidget(m_events);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addLayout(buttons);
    layout->addWidget(m_command);
    layout->addWidget(split, 1);

    connect(m_up, &QPushButton::clicked, session, &LiveSession::bringLabUp);
    connect(m_down, &QPushButton::clicked, session, &LiveSession::takeLabDown);
    connect(m_command, &QLineEdit::returnPressed, this,
            [this] { runCommandLine(m_command->text()); });
    connect(session, &LiveSession::progress, this,
            [this](const QString &line) { appendOutput(QStringLiteral("· ") + line); });
    connect(session, &LiveSession::commandOutput, this, &LivePanel::appendOutput);
    connect(session, &LiveSession::labChanged, this, [this](bool ok, const QString &message) {
        appendOutput(ok ? message : tr("error: ") + message);
        poll();
    });
    connect(session, &LiveSession::busyChanged, this, [this](bool busy) {
        m_up->setEnabled(!busy);
        m_down->setEnabled(!busy);
        m_command->setEnabled(!busy);
    });
    connect(session, &LiveSession::commandFinished, this,
            [this](int exitCode, quint64 seq, qint64 endNs, const QString &error) {
                if (!error.isEmpty()) {
                    appendOutput(tr("error: ") + error);
                    emit message(error);
                    return;
                }
                appendOutput(tr("(exit status %1)").arg(exitCode));
                // Let the last packets and syscalls land in the log before showing the flow.
                // kubectl returns as soon as the apiserver has stored the object; what the
                // controllers and the scheduler do about it follows within moments, and is
                // part of what the command caused (see CommandFlow.h).
                const int settleMs =
                    m_pendingCommand.startsWith("kubectl") ? kKubectlSettleMs : 400;
                const qint64 windowEndNs = m_pendingCommand.startsWith("kubectl")
                                               ? endNs + kKubectlSettleMs * 1000000LL
                                               : endNs;
                QTimer::singleShot(settleMs, this, [this, seq, windowEndNs] {
                    poll();
                    emit commandCompleted(seq, windowEndNs, m_pendingCommand);
                });
            });
    connect(&ThemeManager::instance(), &ThemeManager::themeChanged, this, &LivePanel::applyTheme);
    applyTheme();

    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &LivePanel::poll);
    m_timer->start(1000);
    poll();
}

void LivePanel::runCommandLine(const QString &line)
{
    const QStringList words = QProcess::splitCommand(line);
    if (words.isEmpty())
        return;
    if (words.front() != "docker" && words.front() != "kubectl") {
        const QString why = tr("the command box runs docker and kubectl commands in the lab (e.g. "
                               "`docker ps`, `kubectl get pods`); \"%1\" is not one")
                                .arg(words.front());
        appendOutput(tr("error: ") + why);
        emit message(why);
        return;
    }
    if (!m_client) {
        const QString why = tr("not connected to flowlabd: start it, then try again");
        appendOutput(tr("error: ") + why);
        emit message(why);
        return;
    }
    m_pendingCommand = line.trimmed();
    appendOutput(QStringLiteral("$ ") + m_pendingCommand);
    m_command->clear();
    m_session->runCommand(words);
}

void LivePanel::appendOutput(const QString &text)
{
    QString trimmed = text;
    while (trimmed.endsWith('\n'))
        trimmed.chop(1);
    if (!trimmed.isEmpty())
        m_output->appendPlainText(trimmed);
}

void LivePanel::showDisconnected(const QString &why)
{
    m_client.reset();
    m_phase.clear();
    m_labState->setText("<b>" + tr("Not connected to flowlabd.") + "</b> " + why.toHtmlEscaped());
    m_up->setEnabled(false);
    m_down->setEnabled(false);
}

void LivePanel::poll()
{
    if (!m_client) {
        auto client = std::make_unique<DaemonClient>();
        if (auto s = client->connect(m_session->socketPath()); !s)
            return showDisconnected(QString::fromStdString(s.error().message()));
        m_client = std::move(client);
        const bool busy = m_session->isBusy();
        m_up->setEnabled(!busy);
        m_down->setEnabled(!busy);
    }
    auto status = m_client->call("lab.status", {}, {}, 3000);
    if (!status)
        return showDisconnected(QString::fromStdString(status.error().message()));
    m_phase = QString::fromStdString(status->value("phase", "unknown"));
    m_labState->setText(tr("Lab: <b>%1</b>. Evidence recorded: %2 events.")
                            .arg(m_phase)
                            .arg(status->value("events", 0)));
    auto reply = m_client->call("events", {{"since", m_lastSeq}}, {}, 3000);
    if (!reply)
        return showDisconnected(QString::fromStdString(reply.error().message()));
    std::vector<Event> arrived;
    for (const auto &json : (*reply)["events"]) {
        Event event;
        try {
            event = json.get<Event>();
        } catch (const std::exception &) {
            continue; // one malformed event must not stop the rest from showing
        }
        m_lastSeq = std::max(m_lastSeq, event.seq);
        const int row = m_events->rowCount();
        m_events->insertRow(row);
        const QStringList cells = {
            QString::number(event.seq),
            QString::fromUtf8(toString(event.kind).data(), int(toString(event.kind).size())),
            QString::fromStdString(event.source.component), QString::fromStdString(event.summary)};
        for (int column = 0; column < cells.size(); ++column)
            m_events->setItem(row, column, new QTableWidgetItem(cells[column]));
        arrived.push_back(std::move(event));
    }
    if (m_events->rowCount() > kMaxEventRows)
        m_events->model()->removeRows(0, m_events->rowCount() - kMaxEventRows);
    if (!arrived.empty()) {
        m_events->scrollToBottom();
        emit eventsArrived(arrived);
    }
}

void LivePanel::applyTheme()
{
    const Theme &theme = currentTheme();
    m_labState->setFont(theme.font(1.15));
    QFont mono = theme.font(0.95);
    mono.setFamily("monospace");
    mono.setStyleHint(QFont::Monospace);
    m_output->setFont(mono);
    m_command->setFont(mono);
}

} // namespace flowlab
