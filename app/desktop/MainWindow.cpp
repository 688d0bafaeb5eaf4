#include "app/desktop/MainWindow.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace flowlab {

MainWindow::MainWindow(std::string socketPath, QWidget *parent)
    : QMainWindow(parent)
    , m_socketPath(std::move(socketPath))
{
    setWindowTitle("Flowlab");
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);

    auto *title = new QLabel("Flowlab — what really happens inside Docker", central);
    QFont titleFont = title->font();
    titleFont.setPointSize(titleFont.pointSize() + 8);
    titleFont.setBold(true);
    title->setFont(titleFont);
    layout->addWidget(title);

    m_labState = new QLabel(central);
    m_labState->setObjectName("labState");
    QFont stateFont = m_labState->font();
    stateFont.setPointSize(stateFont.pointSize() + 3);
    m_labState->setFont(stateFont);
    m_labState->setWordWrap(true);
    layout->addWidget(m_labState);

    m_events = new QTableWidget(0, 4, central);
    m_events->setObjectName("events");
    m_events->setHorizontalHeaderLabels({"#", "kind", "component", "what happened"});
    m_events->horizontalHeader()->setStretchLastSection(true);
    m_events->verticalHeader()->hide();
    m_events->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_events->setSelectionBehavior(QAbstractItemView::SelectRows);
    layout->addWidget(m_events, 1);

    setCentralWidget(central);
    resize(1100, 700);

    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &MainWindow::poll);
    m_timer->start(1000);
    poll();
}

void MainWindow::showDisconnected(const QString &why)
{
    m_client.reset();
    m_labState->setText("<b>Not connected to flowlabd.</b> " + why.toHtmlEscaped());
}

void MainWindow::poll()
{
    if (!m_client) {
        auto client = std::make_unique<DaemonClient>();
        if (auto s = client->connect(m_socketPath); !s)
            return showDisconnected(QString::fromStdString(s.error().message()));
        m_client = std::move(client);
    }
    auto status = m_client->call("lab.status", {}, {}, 3000);
    if (!status)
        return showDisconnected(QString::fromStdString(status.error().message()));
    m_labState->setText(QString("Lab: <b>%1</b>. Evidence recorded: %2 events.")
                            .arg(QString::fromStdString(status->value("phase", "unknown")))
                            .arg(status->value("events", 0)));
    auto events = m_client->call("events", {{"since", m_lastSeq}}, {}, 3000);
    if (!events)
        return showDisconnected(QString::fromStdString(events.error().message()));
    for (const auto &event : (*events)["events"]) {
        const int row = m_events->rowCount();
        m_events->insertRow(row);
        m_lastSeq = event.value("seq", m_lastSeq);
        const QStringList cells = {QString::number(m_lastSeq),
                                   QString::fromStdString(event.value("kind", "")),
                                   QString::fromStdString(event["source"].value("component", "")),
                                   QString::fromStdString(event.value("summary", ""))};
        for (int column = 0; column < cells.size(); ++column)
            m_events->setItem(row, column, new QTableWidgetItem(cells[column]));
    }
}

} // namespace flowlab
