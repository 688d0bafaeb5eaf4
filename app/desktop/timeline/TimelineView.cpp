#include "app/desktop/timeline/TimelineView.h"

#include "app/desktop/model/Walkthrough.h"
#include "app/desktop/theme/Theme.h"
#include "app/desktop/timeline/TimelineViewSupport.h"

#include <QApplication>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace flowlab {

using namespace timeline;

namespace {

// The horizontal scroll bar counts the whole trace in this many steps (its int range cannot
// hold nanoseconds).
constexpr int kScrollUnits = 1'000'000;
constexpr double kKeyboardZoom = 1.5;
constexpr int kPlotRightMargin = 14;

} // namespace

TimelineView::TimelineView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    viewport()->setMouseTracking(true);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    setAccessibleName(tr("Timeline"));
    setToolTip({}); // tooltips come from the marks under the pointer
    connect(&ThemeManager::instance(), &ThemeManager::themeChanged, this, [this] {
        updateMetrics();
        viewChanged(); // lane heights change with the type size, and so do the scroll bars
        updateGeometry();
    });
    updateMetrics();
}

// --- content ------------------------------------------------------------------------------------

void TimelineView::setWalkthrough(const Walkthrough *walkthrough)
{
    m_walkthrough = walkthrough;
    m_currentStep = -1;
    m_emphasised.clear();
    m_selected.reset();
    m_hasBrush = false;
    m_pressed = m_brushing = false;
    m_kindsPresent = 0;
    if (walkthrough) {
        m_layout.setEvents(walkthrough->events(), walkthrough->eventComponents());
        for (const Event &event : walkthrough->events())
            m_kindsPresent |= 1u << static_cast<int>(event.kind);
    } else {
        m_layout.clear();
    }
    m_evidenceLanes.assign(m_layout.laneCount(), false);
    updateMetrics();
    verticalScrollBar()->setValue(0);
    relayout();
    viewChanged();
    updateGeometry();
}

void TimelineView::setCurrentStep(int index)
{
    m_emphasised.clear();
    m_evidenceLanes.assign(m_layout.laneCount(), false);
    m_currentStep = m_walkthrough && index >= 0 && index < m_walkthrough->stepCount() ? index : -1;
    if (m_currentStep < 0) {
        viewport()->update();
        return;
    }
    std::int64_t &fromNs = m_evidenceStartNs;
    std::int64_t &toNs = m_evidenceEndNs;
    int firstLane = -1;
    for (const StepEvidence &evidence : m_walkthrough->step(m_currentStep).evidence) {
        const auto place = evidence.event ? m_layout.find(evidence.event->seq) : std::nullopt;
        if (!place)
            continue;
        fromNs = m_emphasised.empty() ? place->mark.ns : std::min(fromNs, place->mark.ns);
        toNs = m_emphasised.empty() ? place->mark.ns : std::max(toNs, place->mark.ns);
        m_emphasised.push_back(place->mark.seq);
        m_evidenceLanes[place->lane] = true;
        if (firstLane < 0 || place->lane < firstLane)
            firstLane = place->lane;
    }
    std::sort(m_emphasised.begin(), m_emphasised.end());
    m_emphasised.erase(std::unique(m_emphasised.begin(), m_emphasised.end()), m_emphasised.end());
    if (!m_emphasised.empty()) {
        m_layout.ensureVisible(fromNs, toNs);
        scrollLaneIntoView(firstLane);
    }
    viewChanged();
}

void TimelineView::selectEvent(std::uint64_t seq)
{
    const auto place = m_layout.find(seq);
    if (!place) {
        m_selected.reset();
        viewport()->update();
        return;
    }
    m_selected = seq;
    m_layout.ensureVisible(place->mark.ns, place->mark.ns);
    scrollLaneIntoView(place->lane);
    viewChanged();
}

std::optional<QPoint> TimelineView::markPosition(std::uint64_t seq) const
{
    const auto point = m_layout.markPosition(seq);
    if (!point)
        return std::nullopt;
    return QPoint(static_cast<int>(std::floor(point->x)), static_cast<int>(std::floor(point->y)));
}

void TimelineView::setVisibleRange(std::int64_t startNs, std::int64_t endNs)
{
    m_layout.setView(startNs, endNs);
    viewChanged();
}

QSize TimelineView::sizeHint() const
{
    const int lanes = std::clamp(m_layout.laneCount(), 4, 14);
    return {900, m_metrics.headerHeight + m_metrics.footerHeight + lanes * m_metrics.laneHeight};
}

QSize TimelineView::minimumSizeHint() const
{
    return {320, m_metrics.headerHeight + m_metrics.footerHeight + 2 * m_metrics.laneHeight};
}

// --- zoom and pan -------------------------------------------------------------------------------

void TimelineView::zoomIn()
{
    m_layout.zoom(kKeyboardZoom, anchorForKeyboardZoom());
    viewChanged();
}

void TimelineView::zoomOut()
{
    m_layout.zoom(1.0 / kKeyboardZoom, anchorForKeyboardZoom());
    viewChanged();
}

void TimelineView::zoomToFit()
{
    m_layout.fitAll();
    viewChanged();
}

void TimelineView::zoomToBrush()
{
    if (!m_hasBrush)
        return;
    m_layout.setView(m_brushStartNs, m_brushEndNs);
    viewChanged();
}

void TimelineView::zoomToStep()
{
    if (!m_emphasised.empty()) {
        const std::int64_t margin = std::max<std::int64_t>(
            (m_evidenceEndNs - m_evidenceStartNs) / 10, TimelineLayout::kMinSpanNs);
        m_layout.setView(m_evidenceStartNs - margin, m_evidenceEndNs + margin);
    } else if (const auto place = m_selected ? m_layout.find(*m_selected) : std::nullopt) {
        m_layout.zoom(4.0, place->mark.ns);
        m_layout.ensureVisible(place->mark.ns, place->mark.ns);
    }
    viewChanged();
}

void TimelineView::clearBrush()
{
    if (!m_hasBrush)
        return;
    m_hasBrush = false;
    viewport()->update();
    emit rangeSelected({});
}

// Keys zoom around the pointer when it is over the plot, else around the middle.
std::int64_t TimelineView::anchorForKeyboardZoom() const
{
    const QPoint pointer = viewport()->mapFromGlobal(QCursor::pos());
    const TimelineGeometry &g = m_layout.geometry();
    if (viewport()->rect().contains(pointer) && pointer.x() >= g.plotLeft &&
        pointer.x() <= g.plotLeft + g.plotWidth)
        return m_layout.nsForX(pointer.x());
    return m_layout.viewStartNs() + m_layout.viewSpanNs() / 2;
}

void TimelineView::viewChanged()
{
    syncScrollBars();
    viewport()->update();
}

// --- geometry -----------------------------------------------------------------------------------

void TimelineView::updateMetrics()
{
    const Theme &theme = currentTheme();
    const QFontMetrics labelMetrics(theme.font(1.0));
    const QFontMetrics smallMetrics(theme.font(0.85));
    m_metrics.laneHeight = static_cast<int>(std::ceil(labelMetrics.height() * 1.75));
    m_metrics.headerHeight = smallMetrics.height() + 16;
    m_metrics.footerHeight = smallMetrics.height() + 12;
    m_metrics.markWidth = theme.presenter ? 4 : 3;
    // Lanes with evidence have bold names: measure in bold so that they never get elided.
    const QFontMetrics boldMetrics(theme.font(1.0, true));
    int widest = 0;
    int widestCount = 0;
    for (int i = 0; i < m_layout.laneCount(); ++i) {
        const TimelineLane &lane = m_layout.lane(i);
        widest =
            std::max(widest, boldMetrics.horizontalAdvance(QString::fromStdString(lane.component)));
        widestCount = std::max(widestCount,
                               smallMetrics.horizontalAdvance(QString::number(lane.marks.size())));
    }
    m_metrics.countWidth = widestCount;
    // The column also holds the visible span above the labels, e.g. "view 888 µs".
    m_metrics.labelWidth = std::max(
        12 + widest + 12 + widestCount + 12,
        12 + smallMetrics.horizontalAdvance(tr("view %1").arg(QStringLiteral("888 µs"))) + 12);
    m_metrics.tickSpacing = smallMetrics.horizontalAdvance(QStringLiteral("0000.000 ms")) + 24;
}

QRect TimelineView::lanesArea() const
{
    const QRect all = viewport()->rect();
    return QRect(0, m_metrics.headerHeight, all.width(),
                 std::max(0, all.height() - m_metrics.headerHeight - m_metrics.footerHeight));
}

void TimelineView::relayout()
{
    const int width = viewport()->width();
    // A long component name must not squeeze the plot away: cap the label column.
    const int labelWidth = std::min(m_metrics.labelWidth, std::max(80, width * 2 / 5));
    TimelineGeometry geometry;
    geometry.plotLeft = labelWidth + 6;
    geometry.plotWidth = std::max(1, width - labelWidth - 6 - kPlotRightMargin);
    geometry.laneHeight = m_metrics.laneHeight;
    geometry.lanesTop = m_metrics.headerHeight - verticalScrollBar()->value();
    m_layout.setGeometry(geometry);
}

void TimelineView::syncScrollBars()
{
    m_syncingScrollBars = true;
    const int lanesHeight = m_layout.laneCount() * m_metrics.laneHeight;
    const int visible = lanesArea().height();
    QScrollBar *vertical = verticalScrollBar();
    vertical->setRange(0, std::max(0, lanesHeight - visible));
    vertical->setPageStep(std::max(1, visible));
    vertical->setSingleStep(m_metrics.laneHeight);

    const double full = static_cast<double>(m_layout.fullEndNs() - m_layout.fullStartNs());
    const int page =
        std::clamp(static_cast<int>(std::lround(m_layout.viewSpanNs() / full * kScrollUnits)), 1,
                   kScrollUnits);
    QScrollBar *horizontal = horizontalScrollBar();
    horizontal->setRange(0, kScrollUnits - page);
    horizontal->setPageStep(page);
    horizontal->setSingleStep(std::max(1, page / 10));
    horizontal->setValue(static_cast<int>(
        std::lround((m_layout.viewStartNs() - m_layout.fullStartNs()) / full * kScrollUnits)));
    m_syncingScrollBars = false;
    relayout();
}

void TimelineView::scrollContentsBy(int dx, int /*dy*/)
{
    if (!m_syncingScrollBars && dx != 0) {
        const double full = static_cast<double>(m_layout.fullEndNs() - m_layout.fullStartNs());
        const auto start =
            m_layout.fullStartNs() +
            static_cast<std::int64_t>(horizontalScrollBar()->value() * full / kScrollUnits);
        m_layout.setView(start, start + m_layout.viewSpanNs());
    }
    relayout();
    viewport()->update();
}

void TimelineView::scrollLaneIntoView(int lane)
{
    if (lane < 0)
        return;
    const int top = lane * m_metrics.laneHeight;
    QScrollBar *vertical = verticalScrollBar();
    const int visible = lanesArea().height();
    if (top < vertical->value())
        vertical->setValue(top);
    else if (top + m_metrics.laneHeight > vertical->value() + visible)
        vertical->setValue(top + m_metrics.laneHeight - visible);
    relayout();
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    relayout();
    syncScrollBars();
}

// --- pointer and keys ---------------------------------------------------------------------------

double TimelineView::hitTolerance() const
{
    return m_metrics.markWidth + 3.0;
}

std::int64_t TimelineView::clampToView(double x) const
{
    const TimelineGeometry &g = m_layout.geometry();
    return m_layout.nsForX(std::clamp(x, g.plotLeft, g.plotLeft + g.plotWidth));
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_walkthrough) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    m_pressed = true;
    m_brushing = false;
    m_pressPos = event->position().toPoint();
    event->accept();
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    if (m_pressed) {
        if (!m_brushing &&
            (pos - m_pressPos).manhattanLength() >= QApplication::startDragDistance() &&
            m_pressPos.x() >= m_layout.geometry().plotLeft) {
            m_brushing = true;
            m_hasBrush = true;
        }
        if (m_brushing) {
            m_brushStartNs = clampToView(std::min(m_pressPos.x(), pos.x()));
            m_brushEndNs = clampToView(std::max(m_pressPos.x(), pos.x()));
            viewport()->update();
        }
        return;
    }
    const bool overMark = m_walkthrough && lanesArea().contains(pos) &&
                          m_layout.hitTest(pos.x(), pos.y(), hitTolerance(), m_emphasised);
    viewport()->setCursor(overMark ? Qt::PointingHandCursor : Qt::ArrowCursor);
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_pressed) {
        QAbstractScrollArea::mouseReleaseEvent(event);
        return;
    }
    m_pressed = false;
    if (m_brushing) {
        m_brushing = false;
        finishBrush();
        return;
    }
    const QPoint pos = event->position().toPoint();
    const auto hit = lanesArea().contains(pos)
                         ? m_layout.hitTest(pos.x(), pos.y(), hitTolerance(), m_emphasised)
                         : std::nullopt;
    if (hit) {
        m_selected = *hit;
        viewport()->update();
        emit eventSelected(*hit);
        return;
    }
    // A click on empty ground outside the brush lets go of it; inside it, the click may be the
    // first half of the double-click that zooms to it.
    const std::int64_t ns = m_layout.nsForX(pos.x());
    if (m_hasBrush && (ns < m_brushStartNs || ns > m_brushEndNs))
        clearBrush();
}

void TimelineView::finishBrush()
{
    if (m_brushEndNs <= m_brushStartNs) {
        clearBrush();
        return;
    }
    viewport()->update();
    emit rangeSelected(m_layout.seqsInRange(m_brushStartNs, m_brushEndNs));
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_walkthrough) {
        QAbstractScrollArea::mouseDoubleClickEvent(event);
        return;
    }
    const QPointF pos = event->position();
    const std::int64_t ns = m_layout.nsForX(pos.x());
    if (m_hasBrush && ns >= m_brushStartNs && ns <= m_brushEndNs)
        zoomToBrush();
    else if (pos.x() >= m_layout.geometry().plotLeft) {
        m_layout.zoom(2.0, ns);
        viewChanged();
    }
    event->accept();
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    if (!m_walkthrough) {
        event->ignore();
        return;
    }
    const QPoint delta = event->angleDelta();
    const QPointF pos = event->position();
    if (event->modifiers() & Qt::ControlModifier) {
        const TimelineGeometry &g = m_layout.geometry();
        const bool overPlot = pos.x() >= g.plotLeft && pos.x() <= g.plotLeft + g.plotWidth;
        const std::int64_t anchor = overPlot ? m_layout.nsForX(pos.x())
                                             : m_layout.viewStartNs() + m_layout.viewSpanNs() / 2;
        // One notch (120) zooms by about a fifth.
        m_layout.zoom(std::pow(1.0015, delta.y() != 0 ? delta.y() : delta.x()), anchor);
        viewChanged();
    } else if (pos.x() < m_layout.geometry().plotLeft && delta.x() == 0 &&
               !(event->modifiers() & Qt::ShiftModifier)) {
        // Over the lane labels the wheel scrolls the lanes, when there are more than fit.
        verticalScrollBar()->setValue(verticalScrollBar()->value() -
                                      delta.y() * m_metrics.laneHeight / 120);
    } else {
        // Over the plot it moves through time: a notch is a tenth of the view, down = later.
        const int notches = delta.x() != 0 ? delta.x() : delta.y();
        m_layout.pan(-static_cast<std::int64_t>(notches / 120.0 * m_layout.viewSpanNs() / 10));
        viewChanged();
    }
    event->accept();
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
    case Qt::Key_Underscore:
        zoomOut();
        break;
    case Qt::Key_0:
    case Qt::Key_Home:
        zoomToFit();
        break;
    case Qt::Key_Z:
    case Qt::Key_Enter:
    case Qt::Key_Return:
        zoomToBrush();
        break;
    case Qt::Key_F:
        zoomToStep();
        break;
    case Qt::Key_Escape:
        clearBrush();
        break;
    case Qt::Key_Left:
        m_layout.pan(-m_layout.viewSpanNs() / 10);
        viewChanged();
        break;
    case Qt::Key_Right:
        m_layout.pan(m_layout.viewSpanNs() / 10);
        viewChanged();
        break;
    default:
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    event->accept();
}

bool TimelineView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        if (!showTooltip(help->pos(), help->globalPos())) {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

bool TimelineView::showTooltip(const QPoint &pos, const QPoint &globalPos)
{
    if (!m_walkthrough || !lanesArea().contains(pos))
        return false;
    const auto hit = m_layout.hitTest(pos.x(), pos.y(), hitTolerance(), m_emphasised);
    const Event *event = hit ? m_walkthrough->event(*hit) : nullptr;
    if (!event)
        return false;
    const auto place = m_layout.find(*hit);
    QString text = QStringLiteral("<b>%1</b> · %2<br>%3<br><span style='color:%4'>at %5 · seq %6")
                       .arg(kindName(event->kind),
                            QString::fromStdString(event->source.component).toHtmlEscaped(),
                            QString::fromStdString(event->summary).toHtmlEscaped(),
                            currentTheme().mutedText.name(),
                            QString::fromStdString(TimelineLayout::formatDuration(
                                event->monotonicNs - m_layout.firstNs())),
                            QString::number(event->seq));
    // Marks closer than a pixel share one: say so, so that nobody thinks there is only one.
    const int column = m_layout.columnForNs(event->monotonicNs);
    const double columnLeft = m_layout.geometry().plotLeft + column;
    const std::size_t together = m_layout.countInRange(place->lane, m_layout.nsForX(columnLeft),
                                                       m_layout.nsForX(columnLeft + 1) - 1);
    if (together > 1)
        text += tr("<br>%1 events share this pixel: zoom in to tell them apart").arg(together);
    text += QStringLiteral("</span>");
    QToolTip::showText(globalPos, text, viewport());
    return true;
}

} // namespace flowlab
