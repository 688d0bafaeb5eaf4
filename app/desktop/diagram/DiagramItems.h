#pragma once

// The things drawn on the flow diagram. Each paints itself from the current theme, so a theme
// change is a repaint, and exports (PNG, SVG) render exactly what the class sees.

#include "app/desktop/model/Walkthrough.h"

#include <QGraphicsObject>
#include <QPainterPath>
#include <QString>

namespace flowlab {

// A band across the diagram: one layer of the stage, e.g. "container runtime".
class BandItem : public QGraphicsItem
{
public:
    BandItem(const QRectF &rect, QString label, bool striped);
    QRectF boundingRect() const override { return m_rect; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override;

private:
    QRectF m_rect;
    QString m_label;
    bool m_striped;
};

// A component box. The active one is where the current step happens.
class ComponentItem : public QGraphicsObject
{
    Q_OBJECT
public:
    enum class State { Idle, Visited, Active, ActiveMissing };

    ComponentItem(std::string id, QString label, const QRectF &rect);
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override;

    const std::string &id() const { return m_id; }
    State state() const { return m_state; }
    void setState(State state);
    // 0..1: how strongly the arrival pulse shows (animated by the scene).
    void setPulse(double pulse);

    // The label, the rect it is drawn in, and its font: the largest size, down to a floor,
    // at which the whole label fits that rect.
    const QString &label() const { return m_label; }
    QRectF labelRect() const { return m_rect.adjusted(10, 4, -10, -4); }
    QFont labelFont(const QRectF &textRect, bool bold) const;

signals:
    void clicked(const QString &id);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent *event) override;

private:
    std::string m_id;
    QString m_label;
    QRectF m_rect;
    State m_state = State::Idle;
    double m_pulse = 0;
};

// A directed edge between two components: faint until a step has travelled it.
class EdgeItem : public QGraphicsItem
{
public:
    enum class State { Faint, Visited, Active, ActiveMissing };

    EdgeItem(std::string from, std::string to, QPainterPath path);
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override;

    const std::string &from() const { return m_from; }
    const std::string &to() const { return m_to; }
    const QPainterPath &path() const { return m_path; }
    State state() const { return m_state; }
    void setState(State state);

private:
    std::string m_from, m_to;
    QPainterPath m_path;
    State m_state = State::Faint;
};

// What travels along the active edge, e.g. "POST /containers/create". Its style tells at a
// glance whether the label was captured or is only what the lesson expected.
class TokenItem : public QGraphicsItem
{
public:
    enum class Style {
        Captured,    // from the evidence that matched: a filled pill
        Provisional, // from evidence so far, the action still running: dashed, amber
        Synthetic,   // from made-up events: purple, says SYNTHETIC
        Missing,     // expected but not observed: red
        Expected,    // the lesson's expectation, nothing captured: outlined, not filled
    };

    TokenItem();
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override;

    void setLabel(const QString &label, Style style);
    const QString &label() const { return m_label; }
    Style style() const { return m_style; }

private:
    QString m_label;
    Style m_style = Style::Expected;
    QRectF m_pill;
};

// The caption above the stage: the lesson and where its evidence comes from (live, a
// recording, SYNTHETIC, explain-only), "Step 3 of 10", the step's title, its state and the
// key evidence. Part of the scene so that exported slides carry it.
class CaptionItem : public QGraphicsItem
{
public:
    explicit CaptionItem(const QRectF &rect);
    QRectF boundingRect() const override { return m_rect; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override;

    void setStep(int number, int total, QString title, StepState state, QString keyEvidence,
                 QString lessonTitle, QString origin);
    // The status chip's text, e.g. "✓ observed" (tests and the window's status line).
    static QString chipText(StepState state);

private:
    QRectF m_rect;
    int m_number = 0, m_total = 0;
    QString m_title, m_keyEvidence, m_lessonTitle, m_origin;
    StepState m_state = StepState::Explained;
};

} // namespace flowlab
