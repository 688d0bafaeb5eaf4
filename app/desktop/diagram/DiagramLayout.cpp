#include "app/desktop/diagram/DiagramLayout.h"

#include <algorithm>
#include <cmath>

namespace flowlab {

namespace {

// Without a stage, one band per lane, in the order the lesson first mentions each lane.
std::vector<StageRow> rowsByLane(const Lesson &lesson)
{
    std::vector<StageRow> rows;
    for (const LessonComponent &component : lesson.components) {
        auto row = std::find_if(rows.begin(), rows.end(),
                                [&](const StageRow &r) { return r.label == component.lane; });
        if (row == rows.end()) {
            rows.push_back({component.lane, {}});
            row = rows.end() - 1;
        }
        row->components.push_back(component.id);
    }
    return rows;
}

} // namespace

DiagramLayout DiagramLayout::compute(const Lesson &lesson)
{
    DiagramLayout layout;
    const std::vector<StageRow> rows =
        lesson.stage.rows.empty() ? rowsByLane(lesson) : lesson.stage.rows;
    layout.caption = QRectF(0, 0, kWidth, kCaptionHeight);
    double y = kCaptionHeight;
    const double usable = kWidth - kBandLabelWidth - 30;
    // Boxes shrink in a crowded band, but never below a readable width: past that, the band
    // wraps into further lines of boxes and grows taller (the view scales the scene to fit).
    const int perLine = std::max(1, static_cast<int>(usable / (kMinBoxWidth + kBoxGap)));
    int line = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const StageRow &row = rows[r];
        const int count = static_cast<int>(row.components.size());
        const int lines = std::max(1, (count + perLine - 1) / perLine);
        const int columns = std::clamp(count, 1, perLine);
        const double bandHeight = lines * kBandHeight + (lines - 1) * kBandGap;
        layout.bands.push_back(
            {QString::fromStdString(row.label), QRectF(10, y, kWidth - 20, bandHeight)});
        // Equal slots across the band, the same in every line so that columns line up.
        const double slot = usable / columns;
        const double width = std::clamp(slot - kBoxGap, kMinBoxWidth, kBoxWidth);
        for (int i = 0; i < count; ++i) {
            const LessonComponent *component = lesson.component(row.components[i]);
            const int column = i % perLine;
            const int inLine = i / perLine;
            const double centreX = kBandLabelWidth + slot * (column + 0.5);
            const double top =
                y + inLine * (kBandHeight + kBandGap) + (kBandHeight - kBoxHeight) / 2;
            Box box;
            box.id = row.components[i];
            box.label = QString::fromStdString(
                component && !component->label.empty() ? component->label : row.components[i]);
            box.rect = QRectF(centreX - width / 2, top, width, kBoxHeight);
            box.band = static_cast<int>(r);
            box.line = line + inLine;
            layout.boxes.push_back(std::move(box));
        }
        line += lines;
        y += bandHeight + kBandGap;
    }
    layout.bounds = QRectF(0, 0, kWidth, std::max(y, kCaptionHeight + kBandHeight));
    return layout;
}

const DiagramLayout::Box *DiagramLayout::box(const std::string &id) const
{
    auto it = std::find_if(boxes.begin(), boxes.end(), [&](const Box &b) { return b.id == id; });
    return it == boxes.end() ? nullptr : &*it;
}

QPainterPath DiagramLayout::edgePath(const Box &from, const Box &to, int lane)
{
    const QRectF a = from.rect;
    const QRectF b = to.rect;
    QPainterPath path;
    if (from.id == to.id) {
        // Something a component does to itself: a loop off its right side.
        const QPointF start(a.right(), a.center().y() - 14);
        const QPointF end(a.right(), a.center().y() + 14);
        path.moveTo(start);
        path.cubicTo(start + QPointF(90, -50), end + QPointF(90, 50), end);
        return path;
    }
    const double offset = lane * 10.0;
    if (from.line == to.line) {
        const bool rightwards = b.center().x() > a.center().x();
        const QPointF start(rightwards ? a.right() : a.left(), a.center().y() + offset);
        const QPointF end(rightwards ? b.left() : b.right(), b.center().y() + offset);
        const double span = std::abs(end.x() - start.x());
        if (span < kBoxWidth) {
            path.moveTo(start);
            path.lineTo(end);
        } else {
            // Over the boxes in between, not through them.
            const QPointF top(a.center().x(), a.top()), bottom(b.center().x(), b.top());
            path.moveTo(top + QPointF(0, 0));
            const double lift = kBandHeight * 0.55 + std::abs(offset);
            path.cubicTo(top - QPointF(0, lift), bottom - QPointF(0, lift), bottom);
        }
        return path;
    }
    // Between bands: leave from the side facing the other box, leaning towards it so that
    // several edges on one side spread out instead of sharing a point.
    const bool downwards = to.line > from.line;
    auto attach = [](const QRectF &own, const QRectF &other, bool bottom) {
        const double lean = std::clamp((other.center().x() - own.center().x()) * 0.12,
                                       -own.width() / 3, own.width() / 3);
        return QPointF(own.center().x() + lean, bottom ? own.bottom() : own.top());
    };
    const QPointF start = attach(a, b, downwards) + QPointF(offset, 0);
    const QPointF end = attach(b, a, !downwards) + QPointF(offset, 0);
    const double pull = std::max(40.0, std::abs(end.y() - start.y()) * 0.45);
    const double sign = downwards ? 1 : -1;
    path.moveTo(start);
    path.cubicTo(start + QPointF(0, sign * pull), end - QPointF(0, sign * pull), end);
    return path;
}

} // namespace flowlab
