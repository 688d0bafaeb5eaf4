#pragma once

// The first window of the desktop app: the lab's state and the evidence as it arrives.
// The step-through walkthrough (flow diagram, timeline, inspector) builds on this.

#include "engine/client/DaemonClient.h"

#include <QMainWindow>
#include <memory>

class QLabel;
class QTableWidget;
class QTimer;

namespace flowlab {

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(std::string socketPath, QWidget *parent = nullptr);

private:
    void poll();
    void showDisconnected(const QString &why);

    std::string m_socketPath;
    std::unique_ptr<DaemonClient> m_client;
    QLabel *m_labState = nullptr;
    QTableWidget *m_events = nullptr;
    QTimer *m_timer = nullptr;
    std::uint64_t m_lastSeq = 0;
};

} // namespace flowlab
