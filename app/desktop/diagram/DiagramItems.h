#pragma once

// The things drawn on the flow diagram. Each paints itself from the current theme, so a theme
// change is a repaint, and exports (PNG, SVG) render exactly what the class sees.

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

// What travels along the active edge, e.g. "POST /containers/create".
class TokenItem : public QGraphicsItem
{
public:
    TokenItem();
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override;

    void setLabel(const QString &label, bool missing);
    const QString &label() const { return m_label; }

private:
    QString m_label;
    bool m_missing = false;
    QRectF m_pill;
};

// The caption above the stage: "Step 3 of 10", the step's title, whether it was observed,
// and the key evidence. Part of the scene so that exported slides carry it.
class CaptionItem : public QGraphicsItem
{
public:
    enum class Status { Observed, Missing, Explained };

    explicit CaptionItem(const QRectF &rect);
    QRectF boundingRect() const override { return m_rect; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override;

    void setStep(int number, int total, QString title, Status status, QString keyEvidence,
                 QString lessonTitle, bool recording);

private:
    QRectF m_rect;
    int m_number = 0, m_total = 0;
    QString m_title, m_keyEvidence, m_lessonTitle;
    Status m_status = Status::Explained;
    bool m_recording = false;
};

} // namespace flowlab
