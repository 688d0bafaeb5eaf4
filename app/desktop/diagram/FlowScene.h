#pragma once

// The flow diagram of a lesson: its components in the bands of its stage, an edge for every
// hop a step makes, and a token that travels the current step's edge labelled with what
// travels: what was captured for an observed step, what the lesson expected (marked so) for
// the others. Missing steps are drawn red and say "not observed". The scene only shows what
// the walkthrough says; it never decides whether something happened.

#include "app/desktop/diagram/DiagramItems.h"
#include "app/desktop/diagram/DiagramLayout.h"

#include <QGraphicsScene>
#include <QPointer>
#include <map>
#include <memory>
#include <utility>

class QVariantAnimation;

namespace flowlab {

class Walkthrough;

class FlowScene : public QGraphicsScene
{
    Q_OBJECT
public:
    explicit FlowScene(QObject *parent = nullptr);
    ~FlowScene() override;

    // Builds the diagram for the walkthrough's lesson (nullptr clears it).
    void setWalkthrough(const Walkthrough *walkthrough);
    // Shows step `index` (0-based). With `animate`, the token travels its edge.
    void showStep(int index, bool animate);
    // 1.0 is normal; 2.0 travels twice as fast.
    void setSpeed(double factor);
    // Ends a running animation in its final state (exports, tests, a quick key press).
    void finishAnimation();

    int currentStep() const { return m_step; }
    bool isAnimating() const;
    // What the class sees now, for tests and the window's status line.
    QString activeComponent() const;
    std::pair<QString, QString> activeEdge() const; // empty when the step has no edge
    // What the token says: for an observed step, the key evidence's short form (eventLabel);
    // otherwise the lesson's label, marked as expected (see tokenStyle()).
    QString tokenLabel() const;
    TokenItem::Style tokenStyle() const;
    bool activeStepMissing() const;
    const DiagramLayout &layout() const { return m_layout; }
    const ComponentItem *componentItem(const std::string &id) const;

signals:
    void componentClicked(const QString &id);
    void animationFinished();

private:
    void build();
    void applyStates(int index);
    void placeToken(double progress);
    QPointF parkingSpot(const DiagramLayout::Box &box) const;

    const Walkthrough *m_walkthrough = nullptr;
    DiagramLayout m_layout;
    std::map<std::string, ComponentItem *> m_components;
    std::map<std::pair<std::string, std::string>, EdgeItem *> m_edges;
    TokenItem *m_token = nullptr;
    CaptionItem *m_caption = nullptr;
    QVariantAnimation *m_travel = nullptr;
    int m_step = -1;
    double m_speed = 1.0;
};

} // namespace flowlab
