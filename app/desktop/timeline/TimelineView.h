#pragma once

// The timeline: a lane per component with its events as marks coloured by kind, over a time
// axis that counts from the first event. The current step's evidence stands out and the rest
// is dimmed; a click on a mark selects that event; dragging across the time axis brushes a
// range of events; the view zooms (Ctrl+wheel, +/-, double-click or Z on a brush) and pans
// (wheel, Shift+wheel, arrows, the scroll bar); F frames the step's evidence; 0 or Home fits
// the whole trace again.
//
// Built for traces of 100,000 events: the lanes are sorted once when a walkthrough is set,
// and a repaint bins marks into pixel columns (TimelineLayout), so its cost follows the
// widget's width, not the number of events.

#include "app/desktop/timeline/TimelineLayout.h"

#include <QAbstractScrollArea>
#include <cstdint>
#include <optional>
#include <vector>

namespace flowlab {

class Walkthrough;

class TimelineView : public QAbstractScrollArea
{
    Q_OBJECT
public:
    explicit TimelineView(QWidget *parent = nullptr);

    // The walkthrough must outlive the view, or be replaced first; nullptr clears the view.
    void setWalkthrough(const Walkthrough *walkthrough);
    const Walkthrough *walkthrough() const { return m_walkthrough; }

    // Emphasises the step's evidence, dims everything else, and moves the view (as little as
    // it can) so that the evidence is visible. -1 (or any index out of range) shows no step.
    void setCurrentStep(int index);
    int currentStep() const { return m_currentStep; }

    // Marks an event as selected and scrolls to it. Does not emit eventSelected: that signal
    // means the user picked the event here.
    void selectEvent(std::uint64_t seq);
    std::optional<std::uint64_t> selectedEvent() const { return m_selected; }

    bool hasBrush() const { return m_hasBrush; }
    std::int64_t brushStartNs() const { return m_brushStartNs; }
    std::int64_t brushEndNs() const { return m_brushEndNs; }

    // The lanes, the visible range and the geometry in viewport() coordinates, e.g. for
    // finding where a mark is drawn.
    const TimelineLayout &timelineLayout() const { return m_layout; }
    std::optional<QPoint> markPosition(std::uint64_t seq) const;
    // Shows [startNs, endNs] (clamped to the trace), e.g. to follow another view.
    void setVisibleRange(std::int64_t startNs, std::int64_t endNs);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public slots:
    void zoomIn();
    void zoomOut();
    void zoomToFit();
    void zoomToBrush();
    // Fits the view to the current step's evidence (key F), or zooms in on the selected event.
    void zoomToStep();
    void clearBrush();

signals:
    void eventSelected(std::uint64_t seq);
    // The events inside the brush, in seq order; empty when the brush is cleared.
    void rangeSelected(std::vector<std::uint64_t> seqs);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    bool viewportEvent(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    struct Metrics
    {
        int headerHeight = 0;
        int footerHeight = 0;
        int laneHeight = 0;
        int labelWidth = 0; // names, then event counts
        int countWidth = 0;
        int tickSpacing = 80; // fits the longest tick label
        int markWidth = 3;
    };

    void updateMetrics();
    // Recomputes the layout's geometry from the viewport size and the vertical scroll.
    void relayout();
    void syncScrollBars();
    void viewChanged(); // after the visible range moved: scroll bars, repaint
    void scrollLaneIntoView(int lane);
    QRect lanesArea() const; // the part of the viewport below the axis and above the legend
    std::int64_t anchorForKeyboardZoom() const;
    double hitTolerance() const;
    std::int64_t clampToView(double x) const;
    void finishBrush();
    bool showTooltip(const QPoint &pos, const QPoint &globalPos);

    void paintLanes(QPainter &painter) const;
    void paintMarks(QPainter &painter) const;
    void paintEvidence(QPainter &painter) const;
    void paintSelection(QPainter &painter) const;
    void paintBrush(QPainter &painter) const;
    void paintAxis(QPainter &painter) const;
    void paintLegend(QPainter &painter) const;

    const Walkthrough *m_walkthrough = nullptr;
    TimelineLayout m_layout;
    Metrics m_metrics;
    std::uint32_t m_kindsPresent = 0; // bit per EventKind, for the legend

    int m_currentStep = -1;
    std::vector<std::uint64_t> m_emphasised; // the current step's evidence, by seq
    std::vector<bool> m_evidenceLanes;
    std::int64_t m_evidenceStartNs = 0; // the span of the step's evidence
    std::int64_t m_evidenceEndNs = 0;
    std::optional<std::uint64_t> m_selected;

    bool m_hasBrush = false;
    std::int64_t m_brushStartNs = 0;
    std::int64_t m_brushEndNs = 0;

    bool m_pressed = false;
    bool m_brushing = false;
    QPoint m_pressPos;
    bool m_syncingScrollBars = false;
};

} // namespace flowlab
