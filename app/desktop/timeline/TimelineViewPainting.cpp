// TimelineView's painting: lanes and their labels, the marks binned by pixel column, the
// current step's evidence over them, the selection, the brush, the axis and the legend.
// Split from TimelineView.cpp, which holds the behaviour.

#include "app/desktop/theme/Theme.h"
#include "app/desktop/timeline/TimelineView.h"
#include "app/desktop/timeline/TimelineViewSupport.h"

#include <QPainter>
#include <array>
#include <bit>
#include <cmath>

namespace flowlab {

using namespace timeline;

void TimelineView::paintEvent(QPaintEvent *)
{
    QPainter painter(viewport());
    const Theme &theme = currentTheme();
    painter.fillRect(viewport()->rect(), theme.background);
    if (!m_walkthrough || m_layout.laneCount() == 0) {
        painter.setFont(theme.font(1.1));
        painter.setPen(theme.mutedText);
        painter.drawText(viewport()->rect(), Qt::AlignCenter,
                         m_walkthrough ? tr("This trace has no events") : tr("No trace open"));
        return;
    }
    painter.save();
    painter.setClipRect(lanesArea());
    paintLanes(painter);
    paintBrush(painter);
    paintMarks(painter);
    paintEvidence(painter);
    paintSelection(painter);
    painter.restore();
    paintAxis(painter);
    paintLegend(painter);
    if (hasFocus()) {
        painter.setPen(QPen(withAlpha(theme.activeBorder, 160), 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(QRectF(viewport()->rect()).adjusted(1, 1, -1, -1));
    }
}

void TimelineView::paintLanes(QPainter &painter) const
{
    const Theme &theme = currentTheme();
    const QRect area = lanesArea();
    const TimelineGeometry &g = m_layout.geometry();
    const int labelRight = static_cast<int>(g.plotLeft) - 6;
    const QFont labelFont = theme.font(1.0);
    const QFont boldFont = theme.font(1.0, true);
    const QFont countFont = theme.font(0.85);
    const int countWidth = m_metrics.countWidth;
    const bool stepShown = m_currentStep >= 0;

    for (int i = 0; i < m_layout.laneCount(); ++i) {
        const QRect lane(0, static_cast<int>(m_layout.laneTop(i)), area.width(),
                         m_metrics.laneHeight);
        if (!lane.intersects(area))
            continue;
        if (m_evidenceLanes[i])
            painter.fillRect(
                lane, withAlpha(theme.activeFill, theme.scheme == Theme::Scheme::Dark ? 120 : 200));
        else if (i % 2 == 1)
            painter.fillRect(lane, theme.laneStripe);

        const TimelineLane &data = m_layout.lane(i);
        const QRect labelRect(12, lane.top(), std::max(0, labelRight - 24 - countWidth),
                              lane.height());
        painter.setFont(m_evidenceLanes[i] ? boldFont : labelFont);
        painter.setPen(stepShown && !m_evidenceLanes[i] ? theme.mutedText : theme.text);
        const QString name = QString::fromStdString(data.component);
        painter.drawText(
            labelRect, Qt::AlignLeft | Qt::AlignVCenter,
            painter.fontMetrics().elidedText(name, Qt::ElideMiddle, labelRect.width()));
        painter.setFont(countFont);
        painter.setPen(theme.mutedText);
        painter.drawText(QRect(labelRight - 6 - countWidth, lane.top(), countWidth, lane.height()),
                         Qt::AlignRight | Qt::AlignVCenter, QString::number(data.marks.size()));
    }
    painter.setPen(QPen(theme.edge, 1));
    painter.drawLine(labelRight, area.top(), labelRight, area.bottom());

    // Grid lines under the marks, at the axis ticks.
    painter.setPen(QPen(withAlpha(theme.edge, 110), 1));
    const std::int64_t step = m_layout.tickStepNs(m_metrics.tickSpacing);
    for (const TimelineTick &tick : m_layout.ticks(step)) {
        const int x = static_cast<int>(std::floor(m_layout.xForNs(tick.ns)));
        painter.drawLine(x, area.top(), x, area.bottom());
    }
}

void TimelineView::paintMarks(QPainter &painter) const
{
    const Theme &theme = currentTheme();
    const QRect area = lanesArea();
    const TimelineGeometry &g = m_layout.geometry();
    const bool dimmed = m_currentStep >= 0;
    const int width = m_metrics.markWidth;
    const int left = static_cast<int>(g.plotLeft) - width / 2;
    // Busier columns stand a little taller, so that density shows at any zoom: the height for
    // 1, 2, 4, 8... marks, looked up rather than computed per column.
    std::array<int, 32> heightForLog2{};
    for (int k = 0; k < 32; ++k)
        heightForLog2[k] = std::max(
            2, static_cast<int>(std::lround(g.laneHeight * 0.46 * std::min(1.6, 1.0 + 0.12 * k))));
    // Integer rectangles, gathered by kind and drawn in one call per kind: the raster
    // engine's fast path.
    std::array<std::vector<QRect>, kKindCount> byKind;
    for (int i = 0; i < m_layout.laneCount(); ++i) {
        const double top = m_layout.laneTop(i);
        if (top + g.laneHeight < area.top() || top > area.bottom())
            continue;
        const int center = static_cast<int>(std::lround(m_layout.laneCenterY(i)));
        for (const TimelineColumn &column : m_layout.columns(i)) {
            const int height = heightForLog2[std::bit_width(unsigned(column.count)) - 1];
            byKind[static_cast<int>(column.kind)].emplace_back(left + column.column,
                                                               center - height / 2, width, height);
        }
    }
    painter.setPen(Qt::NoPen);
    for (int kind = 0; kind < kKindCount; ++kind) {
        if (byKind[kind].empty())
            continue;
        const QColor color = theme.kindColor(static_cast<EventKind>(kind));
        painter.setBrush(dimmed ? mixed(color, theme.background, 0.6) : color);
        painter.drawRects(byKind[kind].data(), static_cast<int>(byKind[kind].size()));
    }
}

void TimelineView::paintEvidence(QPainter &painter) const
{
    if (m_emphasised.empty())
        return;
    const Theme &theme = currentTheme();
    const TimelineGeometry &g = m_layout.geometry();
    const double width = m_metrics.markWidth + 2;
    const double height = g.laneHeight * 0.74;
    const double haloWidth = width + 10;
    const double haloHeight = g.laneHeight - 4;
    std::vector<TimelinePlace> visible;
    visible.reserve(m_emphasised.size());
    for (std::uint64_t seq : m_emphasised) {
        const auto place = m_layout.find(seq);
        if (place && place->mark.ns >= m_layout.viewStartNs() &&
            place->mark.ns <= m_layout.viewEndNs())
            visible.push_back(*place);
    }
    // A soft halo first, so that evidence stands out even where its marks crowd together.
    painter.setPen(Qt::NoPen);
    painter.setBrush(withAlpha(theme.activeBorder, 70));
    for (const TimelinePlace &place : visible)
        painter.drawRoundedRect(QRectF(m_layout.xForNs(place.mark.ns) - haloWidth / 2,
                                       m_layout.laneCenterY(place.lane) - haloHeight / 2, haloWidth,
                                       haloHeight),
                                4, 4);
    painter.setPen(QPen(theme.background, 1));
    for (const TimelinePlace &place : visible) {
        painter.setBrush(theme.kindColor(place.mark.kind));
        painter.drawRoundedRect(QRectF(m_layout.xForNs(place.mark.ns) - width / 2,
                                       m_layout.laneCenterY(place.lane) - height / 2, width,
                                       height),
                                1.5, 1.5);
    }
}

void TimelineView::paintSelection(QPainter &painter) const
{
    if (!m_selected)
        return;
    const auto place = m_layout.find(*m_selected);
    if (!place || place->mark.ns < m_layout.viewStartNs() || place->mark.ns > m_layout.viewEndNs())
        return;
    const Theme &theme = currentTheme();
    const QRect area = lanesArea();
    const double x = std::floor(m_layout.xForNs(place->mark.ns)) + 0.5;
    painter.setPen(QPen(withAlpha(theme.token, 150), 1, Qt::DashLine));
    painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
    const double height = m_layout.geometry().laneHeight * 0.9;
    const double width = m_metrics.markWidth + 8;
    painter.setPen(QPen(theme.token, 2.5));
    painter.setBrush(Qt::NoBrush);
    painter.drawRoundedRect(
        QRectF(x - width / 2, m_layout.laneCenterY(place->lane) - height / 2, width, height), 3, 3);
}

void TimelineView::paintBrush(QPainter &painter) const
{
    if (!m_hasBrush)
        return;
    const Theme &theme = currentTheme();
    const QRect area = lanesArea();
    const double left = std::max(m_layout.xForNs(m_brushStartNs), m_layout.geometry().plotLeft);
    const double right = std::min(m_layout.xForNs(m_brushEndNs),
                                  m_layout.geometry().plotLeft + m_layout.geometry().plotWidth);
    if (right < left)
        return;
    const QRectF rect(left, area.top(), std::max(1.0, right - left), area.height());
    // Zoomed to the brush, a tint over everything would only wash the marks out.
    const TimelineGeometry &g = m_layout.geometry();
    if (left > g.plotLeft + 1 || right < g.plotLeft + g.plotWidth - 1)
        painter.fillRect(rect, withAlpha(theme.activeBorder, 38));
    painter.setPen(QPen(theme.activeBorder, 1.5));
    painter.drawLine(rect.topLeft(), rect.bottomLeft());
    painter.drawLine(rect.topRight(), rect.bottomRight());
}

void TimelineView::paintAxis(QPainter &painter) const
{
    const Theme &theme = currentTheme();
    const int width = viewport()->width();
    const int height = m_metrics.headerHeight;
    const TimelineGeometry &g = m_layout.geometry();
    painter.fillRect(0, 0, width, height, theme.componentFill);
    painter.setPen(QPen(theme.componentBorder, 1));
    painter.drawLine(0, height - 1, width, height - 1);

    const QFont font = theme.font(0.85);
    painter.setFont(font);
    const QFontMetrics metrics(font);
    // The span on view, above the lane labels: how far the view is zoomed in.
    painter.setPen(theme.mutedText);
    const QString span =
        m_layout.isFitted()
            ? tr("all %1").arg(QString::fromStdString(
                  TimelineLayout::formatDuration(m_layout.lastNs() - m_layout.firstNs())))
            : tr("view %1").arg(
                  QString::fromStdString(TimelineLayout::formatDuration(m_layout.viewSpanNs())));
    painter.drawText(QRect(12, 0, static_cast<int>(g.plotLeft) - 18, height),
                     Qt::AlignLeft | Qt::AlignVCenter, span);

    const std::int64_t step = m_layout.tickStepNs(m_metrics.tickSpacing);
    painter.save();
    painter.setClipRect(QRect(static_cast<int>(g.plotLeft) - 1, 0, width, height));
    for (const TimelineTick &tick : m_layout.ticks(step)) {
        const int x = static_cast<int>(std::floor(m_layout.xForNs(tick.ns)));
        painter.setPen(QPen(theme.mutedText, 1));
        painter.drawLine(x, height - 7, x, height - 1);
        // A label cut by the right edge would misread ("15.010" for 15.0105 s): leave it out.
        const QString label = QString::fromStdString(tick.label);
        if (x + 4 + metrics.horizontalAdvance(label) > width - 2)
            continue;
        painter.setPen(theme.text);
        painter.drawText(QRect(x + 4, 0, width, height - 4), Qt::AlignLeft | Qt::AlignVCenter,
                         label);
    }
    // Where the current step's evidence is, even when its lanes are scrolled away.
    painter.setPen(Qt::NoPen);
    painter.setBrush(theme.activeBorder);
    for (std::uint64_t seq : m_emphasised) {
        const auto place = m_layout.find(seq);
        if (!place)
            continue;
        const double x = m_layout.xForNs(place->mark.ns);
        const QPointF tip(x, height - 1);
        const QPointF triangle[3] = {tip, tip + QPointF(-4, -6), tip + QPointF(4, -6)};
        painter.drawPolygon(triangle, 3);
    }
    painter.restore();

    if (m_hasBrush) {
        const std::size_t count = m_layout.countInRange(m_brushStartNs, m_brushEndNs);
        const QString events = count == 1 ? tr("1 event") : tr("%1 events").arg(count);
        const QString text =
            events + QStringLiteral(" · ") +
            QString::fromStdString(TimelineLayout::formatDuration(m_brushEndNs - m_brushStartNs));
        const int textWidth = metrics.horizontalAdvance(text) + 16;
        const double centre = (std::max(m_layout.xForNs(m_brushStartNs), g.plotLeft) +
                               std::min(m_layout.xForNs(m_brushEndNs), g.plotLeft + g.plotWidth)) /
                              2;
        const double left = std::clamp(centre - textWidth / 2.0, g.plotLeft,
                                       std::max(g.plotLeft, width - 4.0 - textWidth));
        const QRectF pill(left, 3, textWidth, height - 7);
        painter.setPen(Qt::NoPen);
        painter.setBrush(theme.activeBorder);
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2);
        painter.setPen(QColor(Qt::white));
        painter.drawText(pill, Qt::AlignCenter, text);
    }
}

void TimelineView::paintLegend(QPainter &painter) const
{
    const Theme &theme = currentTheme();
    const QRect rect(0, viewport()->height() - m_metrics.footerHeight, viewport()->width(),
                     m_metrics.footerHeight);
    painter.fillRect(rect, theme.componentFill);
    painter.setPen(QPen(theme.componentBorder, 1));
    painter.drawLine(rect.topLeft(), rect.topRight());

    const QFont font = theme.font(0.85);
    painter.setFont(font);
    const QFontMetrics metrics(font);
    const int swatch = metrics.ascent() - 2;
    int x = 12;
    for (int kind = 0; kind < kKindCount; ++kind) {
        if (!(m_kindsPresent & (1u << kind)))
            continue;
        const QString name = kindName(static_cast<EventKind>(kind));
        const int needed = swatch + 5 + metrics.horizontalAdvance(name) + 14;
        if (x + needed > rect.width() - 8) {
            painter.setPen(theme.mutedText);
            painter.drawText(QRect(x, rect.top(), 30, rect.height()), Qt::AlignVCenter, "…");
            break;
        }
        painter.setPen(Qt::NoPen);
        painter.setBrush(theme.kindColor(static_cast<EventKind>(kind)));
        painter.drawRoundedRect(QRectF(x, rect.center().y() - swatch / 2.0 + 1, swatch, swatch), 2,
                                2);
        painter.setPen(theme.text);
        painter.drawText(QRect(x + swatch + 5, rect.top(), needed, rect.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, name);
        x += needed;
    }
    const QString hint = tr("drag: select · Ctrl+wheel, +/−: zoom · F: frame step · 0: fit");
    const int hintWidth = metrics.horizontalAdvance(hint);
    if (x + 24 + hintWidth <= rect.width() - 12) {
        painter.setPen(theme.mutedText);
        painter.drawText(rect.adjusted(0, 0, -12, 0), Qt::AlignRight | Qt::AlignVCenter, hint);
    }
}

} // namespace flowlab
