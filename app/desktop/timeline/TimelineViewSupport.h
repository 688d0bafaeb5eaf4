#pragma once

// Small helpers shared by TimelineView.cpp and TimelineViewPainting.cpp. Internal.

#include "tracer/model/Event.h"

#include <QColor>
#include <QString>

namespace flowlab::timeline {

inline constexpr int kKindCount = static_cast<int>(EventKind::Log) + 1;

// a blended toward b: dimmed marks stay opaque, so crowded ones do not darken each other.
inline QColor mixed(const QColor &a, const QColor &b, double towardB)
{
    const double k = 1.0 - towardB;
    return QColor::fromRgbF(static_cast<float>(a.redF() * k + b.redF() * towardB),
                            static_cast<float>(a.greenF() * k + b.greenF() * towardB),
                            static_cast<float>(a.blueF() * k + b.blueF() * towardB));
}

inline QColor withAlpha(QColor color, int alpha)
{
    color.setAlpha(alpha);
    return color;
}

inline QString kindName(EventKind kind)
{
    const std::string_view name = toString(kind);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

} // namespace flowlab::timeline
