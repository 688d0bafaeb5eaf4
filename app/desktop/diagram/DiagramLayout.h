#pragma once

// Where the flow diagram puts things, in scene units, computed from the lesson alone: the
// bands of its stage (or one band per component lane when it has none), the component boxes
// side by side in each band (a crowded band wraps into more lines rather than shrinking its
// boxes below a readable width), the caption above, and the path an edge takes between two
// boxes.
// Pure geometry, so that tests can check it without painting.

#include "tracer/lesson/Lesson.h"

#include <QPainterPath>
#include <QRectF>
#include <QString>
#include <string>
#include <vector>

namespace flowlab {

struct DiagramLayout
{
    struct Box
    {
        std::string id;
        QString label;
        QRectF rect;
        int band = 0;
        int line = 0; // the line of boxes it sits in, counted over all bands from the top
    };
    struct Band
    {
        QString label;
        QRectF rect;
    };

    std::vector<Band> bands;
    std::vector<Box> boxes;
    QRectF caption; // step title, status and key evidence
    QRectF bounds;

    static DiagramLayout compute(const Lesson &lesson);
    const Box *box(const std::string &id) const;

    // The path from one box to another. `lane` separates edges that join the same boxes
    // (A→B and B→A): 0 for the first, ±1 for the others. A box to itself makes a loop.
    static QPainterPath edgePath(const Box &from, const Box &to, int lane = 0);

    static constexpr double kWidth = 1600;
    static constexpr double kBandLabelWidth = 190;
    static constexpr double kBoxWidth = 260;
    static constexpr double kMinBoxWidth = 170; // two short words of a label, legible
    static constexpr double kBoxGap = 24;       // between boxes side by side
    static constexpr double kBoxHeight = 64;
    static constexpr double kBandHeight = 104;
    static constexpr double kBandGap = 24;
    static constexpr double kCaptionHeight = 150;
};

} // namespace flowlab
