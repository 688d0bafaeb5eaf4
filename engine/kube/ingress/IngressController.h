#pragma once

// flowlab-ingress-controller's work: keep nginx serving what the Ingress objects ask for.
// It watches Ingresses and Services, renders the route table into nginx.conf (NginxConfig.h),
// checks the file with `nginx -t`, then starts nginx or has it reload; it sets each served
// Ingress's status.loadBalancer to the node's address; and it reads nginx's JSON access log,
// so that every request it routed becomes an evidence event: the Host it matched, the
// Ingress and Service, the upstream address it connected to and the answer.
//
// nginx runs as this process's child and dies with it (PR_SET_PDEATHSIG), so stopping the
// controller leaves no nginx behind.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/ingress/NginxConfig.h"

#include <QObject>
#include <QProcess>
#include <QTimer>
#include <memory>
#include <optional>
#include <string>

namespace flowlab::kube::ingress {

struct ControllerSettings
{
    NginxSettings nginx;
    std::string nginxProgram = "/usr/sbin/nginx";
    std::string ingressClass = "flowlab";
    std::string nodeName = "flowlab-node1";
    std::string statusAddress; // written to status.loadBalancer.ingress[].ip; "" for none
};

class IngressController : public QObject
{
    Q_OBJECT

public:
    IngressController(KubeClient &client, EvidenceLog &evidence, ControllerSettings settings,
                      QObject *parent = nullptr);
    ~IngressController() override;

    // Creates the state directory and starts watching; nginx starts at the first sync.
    Status start();
    bool nginxRunning() const { return m_nginx && m_nginx->state() == QProcess::Running; }
    int syncs() const { return m_syncs; }

signals:
    void synced(bool ok, const QString &summary);

private:
    void scheduleSync();
    void sync();
    Status applyConfig(const std::string &text, std::string &action);
    Status startNginx();
    void updateStatuses();
    void readAccessLog();
    void record(Event event);

    KubeClient &m_client;
    EvidenceLog &m_evidence;
    ControllerSettings m_settings;
    std::unique_ptr<Informer> m_ingresses;
    std::unique_ptr<Informer> m_services;
    QTimer m_debounce;
    QTimer m_logPoll;
    std::unique_ptr<QProcess> m_nginx;
    std::string m_applied; // the configuration nginx runs with
    std::vector<IngressRoute> m_routes;
    qint64 m_logOffset = 0;
    int m_syncs = 0;
};

// One nginx access-log line (NginxConfig.h's log format) as an evidence event, or nothing
// for a line that is not one.
std::optional<Event> eventFromAccessLogLine(const std::string &line);

} // namespace flowlab::kube::ingress
