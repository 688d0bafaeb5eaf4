#pragma once

// The pods bound to one node, kept current by list + watch with the field selector
// spec.nodeName=<node> across all namespaces, as the real kubelet's pod config source does.
// (The shared Informer filters by label only.) A broken watch resumes from the last
// resourceVersion; a 410 Expired lists again and reports what vanished meanwhile as deleted.

#include "engine/kube/client/KubeClient.h"

#include <QObject>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace flowlab::kube::kubelet {

class AssignedPodWatch : public QObject
{
    Q_OBJECT

public:
    struct Handlers
    {
        std::function<void(const Json &pod)> changed; // added or modified
        std::function<void(const Json &pod)> deleted;
        std::function<void()> synced;                 // after each full list
    };

    AssignedPodWatch(KubeClient &client, std::string nodeName, Handlers handlers,
                     QObject *parent = nullptr);
    ~AssignedPodWatch() override;

    void start();
    const std::map<std::string, Json> &pods() const { return m_pods; } // by UID

    // "fieldSelector=spec.nodeName%3Dnode1", the query both the list and the watch use.
    static std::string selectorQuery(const std::string &nodeName);

private:
    void list();
    void watch();
    void onData();
    void onEnd();
    void apply(const std::string &type, const Json &pod);

    KubeClient &m_client;
    std::string m_nodeName;
    Handlers m_handlers;
    std::map<std::string, Json> m_pods;
    std::string m_resourceVersion;
    std::unique_ptr<QNetworkAccessManager> m_connection;
    QNetworkReply *m_reply = nullptr;
    std::string m_buffer;
    bool m_expired = false;
    bool m_stopping = false;
};

} // namespace flowlab::kube::kubelet
