#pragma once

// The arithmetic behind the timeline, without pixels painted: one lane per component with its
// events sorted by time, the visible time range and how it maps to x, binning of marks into
// pixel columns, hit testing, and brush → events. Plain C++ so that it is tested directly and
// the widget stays a thin painter.
//
// Cost model (a trace may hold 100,000 events): setEvents sorts once; everything a repaint
// or a click needs is a binary search per pixel column or per lane, never a walk over all
// events.

#include "tracer/model/Event.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowlab {

struct TimelineMark
{
    std::int64_t ns = 0;
    std::uint64_t seq = 0;
    std::uint32_t eventIndex = 0; // into the events given to setEvents
    EventKind kind = EventKind::Log;
};

struct TimelineLane
{
    std::string component;
    std::vector<TimelineMark> marks; // by time, then seq
};

// A pixel column of a lane that holds at least one mark. The column shows its most recent
// mark (the last in time), so a busy column is coloured by what happened last in it.
struct TimelineColumn
{
    int column = 0; // 0 = the plot's left edge
    int count = 0;
    EventKind kind = EventKind::Log;
    std::uint64_t seq = 0;
};

// Where the plot sits in the widget: lanes are stacked from lanesTop (which moves up as the
// lanes scroll) with equal heights; time runs from plotLeft over plotWidth pixels.
struct TimelineGeometry
{
    double plotLeft = 0;
    double plotWidth = 1;
    double lanesTop = 0;
    double laneHeight = 1;
};

struct TimelinePoint
{
    double x = 0;
    double y = 0;
};

// A mark found by seq: its lane and the mark itself.
struct TimelinePlace
{
    int lane = -1;
    TimelineMark mark;
};

struct TimelineTick
{
    std::int64_t ns = 0; // absolute
    std::string label;   // relative to the first event, e.g. "250 ms", "1.5 s"
};

class TimelineLayout
{
public:
    // The narrowest range the view zooms to.
    static constexpr std::int64_t kMinSpanNs = 1000;

    // Lanes in the order of `components` (components that no event names get an empty lane;
    // an event whose component is not listed gets a lane appended). Resets the view to fit.
    void setEvents(const std::vector<Event> &events, const std::vector<std::string> &components);
    void clear();

    int laneCount() const { return static_cast<int>(m_lanes.size()); }
    const TimelineLane &lane(int index) const { return m_lanes.at(index); }
    int laneOf(const std::string &component) const;
    std::size_t eventCount() const { return m_places.size(); }
    std::optional<TimelinePlace> find(std::uint64_t seq) const;

    // First and last event time; the fitted view adds a small margin on both sides.
    std::int64_t firstNs() const { return m_firstNs; }
    std::int64_t lastNs() const { return m_lastNs; }
    std::int64_t fullStartNs() const { return m_fullStartNs; }
    std::int64_t fullEndNs() const { return m_fullEndNs; }

    // --- the visible range ---------------------------------------------------------------
    std::int64_t viewStartNs() const { return m_viewStartNs; }
    std::int64_t viewEndNs() const { return m_viewEndNs; }
    std::int64_t viewSpanNs() const { return m_viewEndNs - m_viewStartNs; }
    bool isFitted() const { return m_viewStartNs == m_fullStartNs && m_viewEndNs == m_fullEndNs; }
    // Kept at least kMinSpanNs wide and inside the full range (shifted, not cut, when it can).
    void setView(std::int64_t startNs, std::int64_t endNs);
    void fitAll();
    // factor > 1 zooms in. The time at anchorNs stays where it is on screen.
    void zoom(double factor, std::int64_t anchorNs);
    void pan(std::int64_t deltaNs);
    // Makes [fromNs, toNs] visible with the least change: nothing if it already is, a pan if
    // it fits at the current zoom, otherwise a zoom out to it with a margin.
    void ensureVisible(std::int64_t fromNs, std::int64_t toNs);

    // --- geometry --------------------------------------------------------------------------
    void setGeometry(const TimelineGeometry &geometry) { m_geometry = geometry; }
    const TimelineGeometry &geometry() const { return m_geometry; }
    double xForNs(std::int64_t ns) const;
    std::int64_t nsForX(double x) const;
    int columnForNs(std::int64_t ns) const; // may be outside [0, width)
    int laneAt(double y) const;             // -1 outside the lanes
    double laneTop(int lane) const;
    double laneCenterY(int lane) const;
    std::optional<TimelinePoint> markPosition(std::uint64_t seq) const;

    // --- what to paint and what was hit ------------------------------------------------------
    // The non-empty columns of a lane in the visible range, left to right: at most one per
    // pixel column, found with a binary search per column.
    std::vector<TimelineColumn> columns(int lane) const;
    // The mark nearest to x in the lane under y, within tolerancePx; marks in `preferred`
    // (e.g. the current step's evidence) win over nearer ordinary ones.
    std::optional<std::uint64_t> hitTest(double x, double y, double tolerancePx,
                                         const std::vector<std::uint64_t> &preferred = {}) const;
    // Events with fromNs <= time <= toNs in any lane, in seq order.
    std::vector<std::uint64_t> seqsInRange(std::int64_t fromNs, std::int64_t toNs) const;
    std::size_t countInRange(std::int64_t fromNs, std::int64_t toNs) const;
    std::size_t countInRange(int lane, std::int64_t fromNs, std::int64_t toNs) const;

    // --- the time axis -------------------------------------------------------------------------
    // A 1-2-5 step that puts ticks at least minSpacingPx apart.
    std::int64_t tickStepNs(double minSpacingPx) const;
    std::vector<TimelineTick> ticks(std::int64_t stepNs) const;
    // An offset from the first event, in a unit that suits the view and enough decimals to
    // tell ticks stepNs apart: "0", "250 ms", "1.25 s", "2.30001 s".
    std::string formatOffset(std::int64_t offsetNs, std::int64_t stepNs) const;
    // A length of time on its own, e.g. "12.3 ms", "840 µs".
    static std::string formatDuration(std::int64_t ns);

private:
    struct Location
    {
        std::uint64_t seq = 0;
        int lane = 0;
        int index = 0; // in the lane's marks
    };

    // First mark in the lane at or after ns (marks.size() if none).
    std::size_t lowerIndex(const TimelineLane &lane, std::int64_t ns) const;
    std::size_t upperIndex(const TimelineLane &lane, std::int64_t ns) const;

    std::vector<TimelineLane> m_lanes;
    std::vector<Location> m_places; // by seq
    std::int64_t m_firstNs = 0;
    std::int64_t m_lastNs = 0;
    std::int64_t m_fullStartNs = 0;
    std::int64_t m_fullEndNs = kMinSpanNs;
    std::int64_t m_viewStartNs = 0;
    std::int64_t m_viewEndNs = kMinSpanNs;
    TimelineGeometry m_geometry;
};

} // namespace flowlab
