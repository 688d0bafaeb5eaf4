// The flow of a typed kubectl command (KubectlFlow.h) over evidence recorded from real kubectl
// runs against the lab's control plane (fixtures/README.md says how): each hop of the
// apiserver's pipeline is backed by its own audit stage or store write, a read stops after
// authorization, RBAC's 403 leaves admission and the store missing, and the controllers' work
// counts for a Deployment while a pod with no node to go to is not shown as bound.

#include "../GuiTestSupport.h"
#include "app/desktop/diagram/FlowDiagramView.h"
#include "app/desktop/diagram/FlowScene.h"
#include "app/desktop/live/CommandFlow.h"
#include "app/desktop/live/KubectlFlow.h"

#include <QFile>

using namespace flowlab;
using namespace flowlab::test;

namespace {

// The recorded events; the span ends where the live panel's would (2 s after the command,
// which here ran for well under a second).
struct Recording
{
    std::vector<Event> events;
    CommandSpan span;
};

Recording recording(const char *name)
{
    QFile file(QStringLiteral(FLOWLAB_SOURCE_DIR "/tests/gui/live/fixtures/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(file.fileName()));
    Recording r;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (!line.isEmpty())
            r.events.push_back(eventFromJson(nlohmann::json::parse(line.toStdString())));
    }
    const Event &command = r.events.front();
    if (command.kind != EventKind::Command)
        qFatal("%s does not start with the command's event", name);
    r.span = {command.summary, command.seq, command.monotonicNs + 2'000'000'000LL};
    return r;
}

struct Flow
{
    std::unique_ptr<Walkthrough> walkthrough;

    const WalkthroughStep &step(const std::string &title) const
    {
        for (int i = 0; i < walkthrough->stepCount(); ++i)
            if (walkthrough->step(i).lessonStep->title == title)
                return walkthrough->step(i);
        qFatal("no step \"%s\"", title.c_str());
    }
    std::string keySummary(const std::string &title) const
    {
        const Event *key = step(title).keyEvent();
        return key ? key->summary : std::string();
    }
};

Flow flowOf(const Recording &r)
{
    auto bundle = commandFlowBundle(kubectlCommandStage(), r.span, r.events);
    if (!bundle)
        qFatal("%s", bundle.error().message().c_str());
    auto walkthrough = Walkthrough::fromBundle(std::move(bundle).value());
    if (!walkthrough)
        qFatal("%s", walkthrough.error().message().c_str());
    return {std::make_unique<Walkthrough>(std::move(walkthrough).value())};
}

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class TestKubectlFlow : public QObject
{
    Q_OBJECT

private slots:
    void theStageHasTheControlPlane()
    {
        const Lesson &stage = kubectlCommandStage();
        for (const char *id : {"user", "kubectl", "apiserver", "store", "controller-manager",
                               "scheduler", "kubelet", "runtime"})
            QVERIFY2(stage.component(id), id);
    }

    void aCreateGoesThroughEveryStageOfThePipeline()
    {
        const Flow flow = flowOf(recording("kubectl-create-deployment.jsonl"));
        QCOMPARE(flow.walkthrough->origin(), TraceOrigin::Live);
        // Each stage's key evidence is the Deployment's own, not a controller's later call.
        QVERIFY(contains(flow.keySummary("kubectl calls the apiserver"),
                         "POST /apis/apps/v1/namespaces/default/deployments"));
        QVERIFY(contains(flow.keySummary("Authentication: who is asking?"), "flowlab-admin"));
        QVERIFY(contains(flow.keySummary("Authorization: may they do it?"),
                         "create deployments in default: allow"));
        QVERIFY(contains(flow.keySummary("Mutating admission fills in defaults"),
                         "spec.strategy.type=RollingUpdate"));
        QVERIFY(contains(flow.keySummary("Validating admission checks the object"),
                         "deployments default/web: valid"));
        QVERIFY(contains(flow.keySummary("The object is written to the store"),
                         "/registry/deployments/default/web"));
        QVERIFY(contains(flow.keySummary("The apiserver answers"), "201 Created"));
        QVERIFY(contains(flow.keySummary("The Deployment controller reconciles"),
                         "create ReplicaSet web-"));
        QVERIFY(
            contains(flow.keySummary("The ReplicaSet controller creates pods"), "create 2 pods"));
    }

    void aPodWithNoNodeIsNotShownAsBound()
    {
        // No node had joined: the scheduler's evidence says unschedulable, with no binding.
        const Flow flow = flowOf(recording("kubectl-create-deployment.jsonl"));
        const WalkthroughStep &bind = flow.step("The scheduler binds each pod to a node");
        QCOMPARE(bind.state, StepState::Missing);
        // Nor as running on a node: the kubelets' hops are missing too.
        for (const char *title :
             {"The kubelet asks for the pod's sandbox", "The container starts in the sandbox",
              "The kubelet reports the pod Running"})
            QCOMPARE(flow.step(title).state, StepState::Missing);
        QCOMPARE(flow.walkthrough->observedCount(), flow.walkthrough->stepCount() - 4);
    }

    void onTheNodesEveryHopIsObserved()
    {
        // The same command with the lab's three nodes up: down to the kubelets.
        const Flow flow = flowOf(recording("kubectl-create-deployment-on-nodes.jsonl"));
        for (int i = 0; i < flow.walkthrough->stepCount(); ++i)
            QVERIFY2(flow.walkthrough->step(i).observed(),
                     flow.walkthrough->step(i).lessonStep->title.c_str());
        QVERIFY(
            contains(flow.keySummary("The scheduler binds each pod to a node"), "flowlab-node"));
        QVERIFY(contains(flow.keySummary("The kubelet asks for the pod's sandbox"),
                         "kubelet → CRI RunPodSandbox (default/web-"));
        QVERIFY(contains(flow.keySummary("The container starts in the sandbox"), "StartContainer"));
    }

    void aReadStopsAfterAuthorization()
    {
        const Flow flow = flowOf(recording("kubectl-get-pods.jsonl"));
        QCOMPARE(flow.walkthrough->stepCount(), 5); // typed, call, authn, authz, answer
        for (int i = 0; i < flow.walkthrough->stepCount(); ++i)
            QVERIFY2(flow.walkthrough->step(i).observed(),
                     flow.walkthrough->step(i).lessonStep->title.c_str());
        // kubectl's discovery (GET /api, /apis) comes first; the list of pods is the call.
        QVERIFY(contains(flow.keySummary("kubectl calls the apiserver"),
                         "GET /api/v1/namespaces/default/pods"));
        QVERIFY(contains(flow.keySummary("Authorization: may they do it?"), "list pods"));
    }

    void rbacsRefusalLeavesAdmissionAndTheStoreMissing()
    {
        const Flow flow = flowOf(recording("kubectl-delete-forbidden.jsonl"));
        QVERIFY(contains(flow.keySummary("Authentication: who is asking?"), "learner"));
        QVERIFY(contains(flow.keySummary("Authorization: may they do it?"), "forbid"));
        QCOMPARE(flow.step("The object is written to the store").state, StepState::Missing);
        QVERIFY(contains(flow.keySummary("The apiserver answers"), "403 Forbidden"));
    }

    void theDiagramDrawsEachHop()
    {
        const Flow flow = flowOf(recording("kubectl-create-deployment.jsonl"));
        FlowScene scene;
        scene.setWalkthrough(flow.walkthrough.get());
        FlowDiagramView view(&scene);
        view.resize(1600, 900);
        view.show();
        for (int i = 0; i < flow.walkthrough->stepCount(); ++i) {
            const LessonStep &step = *flow.walkthrough->step(i).lessonStep;
            scene.showStep(i, false);
            QCOMPARE(scene.activeComponent(), QString::fromStdString(step.component));
            QCOMPARE(scene.activeStepMissing(), !flow.walkthrough->step(i).observed());
            saveScreenshot(&view, QString("kubectl-create-step-%1").arg(i + 1, 2, 10, QChar('0')));
        }
    }

    void hopsFollowTheCommand_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("stores");
        QTest::addColumn<bool>("schedules");
        QTest::newRow("get") << QStringList{"get", "pods", "-o", "wide"} << false << false;
        QTest::newRow("create deployment")
            << QStringList{"create", "deployment", "web", "--image=nginx"} << true << true;
        QTest::newRow("-n before the verb")
            << QStringList{"-n", "shop", "scale", "deploy/web", "--replicas=3"} << true << true;
        QTest::newRow("create configmap")
            << QStringList{"create", "configmap", "page", "--from-literal=a=b"} << true << false;
        QTest::newRow("delete") << QStringList{"delete", "pod", "web-1"} << true << false;
        QTest::newRow("run a pod") << QStringList{"run", "one", "--image=nginx"} << true << true;
    }

    void hopsFollowTheCommand()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, stores);
        QFETCH(bool, schedules);
        std::vector<std::string> words;
        for (const QString &arg : args)
            words.push_back(arg.toStdString());
        const auto hops = kubectlHops(words);
        auto has = [&](const std::string &title) {
            return std::any_of(hops.begin(), hops.end(),
                               [&](const ExpectedHop &hop) { return hop.title == title; });
        };
        QCOMPARE(hops.front().title, std::string("You type the command"));
        QVERIFY(has("Authorization: may they do it?"));
        QCOMPARE(has("The object is written to the store"), stores);
        QCOMPARE(has("The scheduler binds each pod to a node"), schedules);
    }
};

QTEST_MAIN(TestKubectlFlow)
#include "tst_kubectl_flow.moc"
