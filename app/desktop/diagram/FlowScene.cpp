#include "app/desktop/diagram/FlowScene.h"

#include "app/desktop/diagram/DiagramItems.h"
#include "app/desktop/model/EventLabel.h"
#include "app/desktop/model/Walkthrough.h"
#include "app/desktop/theme/Theme.h"

#include <QEasingCurve>
#include <QVariantAnimation>

namespace flowlab {

namespace {

constexpr int kTravelMs = 1100;

// What the lesson says travels, shown only as the expectation.
QString expectedLabel(const LessonStep &lessonStep)
{
    return QString::fromStdString(!lessonStep.label.empty() ? lessonStep.label : lessonStep.title);
}

// The token of an observed step is written from the evidence that matched it (its key
// event), so that the class reads what was captured, not what the lesson expected; the
// lesson's label appears only, marked as expected, on steps nothing was captured for.
std::pair<QString, TokenItem::Style> tokenFor(const WalkthroughStep &step)
{
    const Event *key = step.keyEvent();
    const QString captured = key ? QString::fromStdString(eventLabel(*key)) : QString();
    const QString expected = expectedLabel(*step.lessonStep);
    switch (step.state) {
    case StepState::Observed:
        if (key)
            return {captured, TokenItem::Style::Captured};
        break; // matched, but its events are not in this trace: show what was expected
    case StepState::SeenSoFar:
        if (key)
            return {captured + QStringLiteral(" · so far"), TokenItem::Style::Provisional};
        break;
    case StepState::Synthetic:
        return {QStringLiteral("SYNTHETIC · ") + (key ? captured : expected),
                TokenItem::Style::Synthetic};
    case StepState::Missing:
        return {QStringLiteral("✗ expected: ") + expected + QStringLiteral(" · not observed"),
                TokenItem::Style::Missing};
    case StepState::Waiting:
        return {QStringLiteral("expected: ") + expected + QStringLiteral(" · waiting"),
                TokenItem::Style::Expected};
    case StepState::Explained:
        break;
    }
    return {QStringLiteral("expected: ") + expected, TokenItem::Style::Expected};
}

QString keyEvidence(const WalkthroughStep &step)
{
    if (!step.result)
        return {};
    const QString key = QString::fromStdString(step.result->keyEvidence);
    const QString notSeen = step.result->missing.empty()
                                ? QString()
                                : QString::fromStdString(step.result->missing.front());
    switch (step.state) {
    case StepState::Observed:
        return key;
    case StepState::SeenSoFar:
        return QStringLiteral("so far (its action is still running): ") + key;
    case StepState::Synthetic:
        return QStringLiteral("synthetic event, not captured: ") + key;
    case StepState::Missing:
        return notSeen.isEmpty() ? QString() : QStringLiteral("not seen: ") + notSeen;
    case StepState::Waiting:
        return notSeen.isEmpty() ? QString() : QStringLiteral("waiting for: ") + notSeen;
    case StepState::Explained:
        return {};
    }
    return {};
}

QString originText(const Walkthrough &walkthrough)
{
    switch (walkthrough.origin()) {
    case TraceOrigin::Live:
        return walkthrough.inProgress() ? QStringLiteral("live, run in progress")
                                        : QStringLiteral("live");
    case TraceOrigin::Recording:
        return QStringLiteral("recording");
    case TraceOrigin::Synthetic:
        return QStringLiteral("SYNTHETIC: made-up events, nothing was captured");
    case TraceOrigin::ExplainOnly:
        return QStringLiteral("explain-only: nothing was run");
    }
    return {};
}

} // namespace

FlowScene::FlowScene(QObject *parent)
    : QGraphicsScene(parent)
    , m_travel(new QVariantAnimation(this))
{
    m_travel->setStartValue(0.0);
    m_travel->setEndValue(1.0);
    m_travel->setEasingCurve(QEasingCurve::InOutCubic);
    connect(m_travel, &QVariantAnimation::valueChanged, this,
            [this](const QVariant &value) { placeToken(value.toDouble()); });
    connect(m_travel, &QVariantAnimation::finished, this, [this] {
        placeToken(1.0);
        emit animationFinished();
    });
    connect(&ThemeManager::instance(), &ThemeManager::themeChanged, this, [this] {
        setBackgroundBrush(currentTheme().background);
        if (m_token && m_step >= 0 && m_walkthrough) {
            const auto [label, style] = tokenFor(m_walkthrough->step(m_step));
            m_token->setLabel(label, style);
        }
        update();
    });
    setBackgroundBrush(currentTheme().background);
}

FlowScene::~FlowScene() = default;

void FlowScene::setWalkthrough(const Walkthrough *walkthrough)
{
    m_travel->stop();
    m_walkthrough = walkthrough;
    m_step = -1;
    build();
}

void FlowScene::build()
{
    clear(); // deletes every item
    m_components.clear();
    m_edges.clear();
    m_token = nullptr;
    m_caption = nullptr;
    if (!m_walkthrough)
        return;
    const Lesson &lesson = m_walkthrough->lesson();
    m_layout = DiagramLayout::compute(lesson);
    setSceneRect(m_layout.bounds);

    for (std::size_t i = 0; i < m_layout.bands.size(); ++i)
        addItem(new BandItem(m_layout.bands[i].rect, m_layout.bands[i].label, i % 2 == 0));
    for (const DiagramLayout::Box &box : m_layout.boxes) {
        auto *item = new ComponentItem(box.id, box.label, box.rect);
        connect(item, &ComponentItem::clicked, this, &FlowScene::componentClicked);
        addItem(item);
        m_components[box.id] = item;
    }
    // One edge per hop that some step makes; a hop back the same way gets its own lane.
    for (const LessonStep &step : lesson.steps) {
        if (step.from.empty() || step.to.empty())
            continue;
        const auto key = std::make_pair(step.from, step.to);
        if (m_edges.count(key))
            continue;
        const DiagramLayout::Box *from = m_layout.box(step.from);
        const DiagramLayout::Box *to = m_layout.box(step.to);
        if (!from || !to)
            continue;
        const bool reverseExists = m_edges.count({step.to, step.from}) > 0;
        auto *edge = new EdgeItem(step.from, step.to,
                                  DiagramLayout::edgePath(*from, *to, reverseExists ? 1 : 0));
        addItem(edge);
        m_edges[key] = edge;
    }
    m_caption = new CaptionItem(m_layout.caption);
    addItem(m_caption);
    m_token = new TokenItem;
    m_token->setVisible(false);
    addItem(m_token);
}

void FlowScene::setSpeed(double factor)
{
    m_speed = std::clamp(factor, 0.1, 10.0);
}

void FlowScene::showStep(int index, bool animate)
{
    if (!m_walkthrough || index < 0 || index >= m_walkthrough->stepCount())
        return;
    m_travel->stop();
    m_step = index;
    applyStates(index);
    const WalkthroughStep &step = m_walkthrough->step(index);
    m_caption->setStep(index + 1, m_walkthrough->stepCount(),
                       QString::fromStdString(step.lessonStep->title), step.state,
                       keyEvidence(step), QString::fromStdString(m_walkthrough->lesson().title),
                       originText(*m_walkthrough));
    const auto [label, style] = tokenFor(step);
    m_token->setLabel(label, style);
    m_token->setVisible(true);
    if (animate) {
        m_travel->setDuration(static_cast<int>(kTravelMs / m_speed));
        placeToken(0.0);
        m_travel->start();
    } else {
        placeToken(1.0);
    }
}

void FlowScene::applyStates(int index)
{
    for (auto &[id, item] : m_components)
        item->setState(ComponentItem::State::Idle);
    for (auto &[key, edge] : m_edges)
        edge->setState(EdgeItem::State::Faint);
    // What earlier steps travelled stays drawn, so the path so far is visible.
    for (int i = 0; i < index; ++i) {
        const LessonStep &earlier = *m_walkthrough->step(i).lessonStep;
        if (auto it = m_edges.find({earlier.from, earlier.to}); it != m_edges.end())
            it->second->setState(EdgeItem::State::Visited);
        for (const std::string &id : {earlier.component, earlier.from, earlier.to})
            if (auto c = m_components.find(id); c != m_components.end())
                c->second->setState(ComponentItem::State::Visited);
    }
    const LessonStep &current = *m_walkthrough->step(index).lessonStep;
    const bool missing = activeStepMissing();
    if (auto it = m_edges.find({current.from, current.to}); it != m_edges.end())
        it->second->setState(missing ? EdgeItem::State::ActiveMissing : EdgeItem::State::Active);
    if (auto c = m_components.find(current.component); c != m_components.end())
        c->second->setState(missing ? ComponentItem::State::ActiveMissing
                                    : ComponentItem::State::Active);
}

void FlowScene::placeToken(double progress)
{
    if (!m_walkthrough || m_step < 0)
        return;
    const LessonStep &current = *m_walkthrough->step(m_step).lessonStep;
    const DiagramLayout::Box *target = m_layout.box(current.component);
    if (auto it = m_edges.find({current.from, current.to}); it != m_edges.end()) {
        const QPainterPath &path = it->second->path();
        // The label rides the edge, then parks in the gap above where it arrived, so that it
        // never hides the component it names.
        const DiagramLayout::Box *arrival = m_layout.box(current.to);
        const QPointF travelling = path.pointAtPercent(std::min(progress / 0.85, 1.0));
        if (progress < 0.85 || !arrival) {
            m_token->setPos(travelling);
        } else {
            const QPointF parked = parkingSpot(*arrival);
            const double t = (progress - 0.85) / 0.15;
            m_token->setPos(travelling + (parked - travelling) * t);
        }
    } else if (target) {
        const QPointF parked = parkingSpot(*target);
        m_token->setPos(parked.x(), parked.y() - 24 * (1 - progress));
    }
    // The component lights up as the token reaches it.
    if (auto c = m_components.find(current.component); c != m_components.end())
        c->second->setPulse(progress > 0.7 ? (progress - 0.7) / 0.3 : 0.0);
}

QPointF FlowScene::parkingSpot(const DiagramLayout::Box &box) const
{
    // Centred on the box, in the gap between its band and the one above, and kept inside
    // the scene so that a label on the right-most box is not cut off.
    const QRectF pill = m_token->boundingRect();
    const double half = pill.width() / 2;
    const double x = std::clamp(box.rect.center().x(), m_layout.bounds.left() + half + 8,
                                m_layout.bounds.right() - half - 8);
    const double gap =
        DiagramLayout::kBandHeight - DiagramLayout::kBoxHeight + DiagramLayout::kBandGap;
    return QPointF(x, box.rect.top() - gap / 2);
}

void FlowScene::finishAnimation()
{
    if (m_travel->state() == QAbstractAnimation::Running) {
        m_travel->stop();
        placeToken(1.0);
        emit animationFinished();
    }
}

bool FlowScene::isAnimating() const
{
    return m_travel->state() == QAbstractAnimation::Running;
}

QString FlowScene::activeComponent() const
{
    if (!m_walkthrough || m_step < 0)
        return {};
    return QString::fromStdString(m_walkthrough->step(m_step).lessonStep->component);
}

std::pair<QString, QString> FlowScene::activeEdge() const
{
    if (!m_walkthrough || m_step < 0)
        return {};
    const LessonStep &current = *m_walkthrough->step(m_step).lessonStep;
    if (!m_edges.count({current.from, current.to}))
        return {};
    return {QString::fromStdString(current.from), QString::fromStdString(current.to)};
}

QString FlowScene::tokenLabel() const
{
    return m_token ? m_token->label() : QString();
}

TokenItem::Style FlowScene::tokenStyle() const
{
    return m_token ? m_token->style() : TokenItem::Style::Expected;
}

bool FlowScene::activeStepMissing() const
{
    if (!m_walkthrough || m_step < 0)
        return false;
    return m_walkthrough->step(m_step).state == StepState::Missing;
}

const ComponentItem *FlowScene::componentItem(const std::string &id) const
{
    auto it = m_components.find(id);
    return it == m_components.end() ? nullptr : it->second;
}

} // namespace flowlab
