#include "app/desktop/timeline/TimelineLayout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace flowlab {

namespace {

bool markBefore(const TimelineMark &a, const TimelineMark &b)
{
    return a.ns != b.ns ? a.ns < b.ns : a.seq < b.seq;
}

// Floor division that also rounds negative quotients down.
std::int64_t floorDiv(std::int64_t a, std::int64_t b)
{
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

struct TimeUnit
{
    std::int64_t ns;
    const char *name;
};

TimeUnit unitFor(std::int64_t magnitudeNs)
{
    if (magnitudeNs >= 1'000'000'000)
        return {1'000'000'000, "s"};
    if (magnitudeNs >= 1'000'000)
        return {1'000'000, "ms"};
    if (magnitudeNs >= 1'000)
        return {1'000, "\u00b5s"};
    return {1, "ns"};
}

std::string formatInUnit(std::int64_t ns, const TimeUnit &unit, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f %s", decimals,
                  static_cast<double>(ns) / static_cast<double>(unit.ns), unit.name);
    return buffer;
}

} // namespace

void TimelineLayout::clear()
{
    m_lanes.clear();
    m_places.clear();
    m_firstNs = m_lastNs = 0;
    m_fullStartNs = 0;
    m_fullEndNs = kMinSpanNs;
    fitAll();
}

void TimelineLayout::setEvents(const std::vector<Event> &events,
                               const std::vector<std::string> &components)
{
    clear();
    std::unordered_map<std::string, int> laneByComponent;
    laneByComponent.reserve(components.size() * 2);
    for (const std::string &component : components) {
        if (laneByComponent.emplace(component, static_cast<int>(m_lanes.size())).second)
            m_lanes.push_back({component, {}});
    }

    bool first = true;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event &event = events[i];
        auto [it, added] =
            laneByComponent.emplace(event.source.component, static_cast<int>(m_lanes.size()));
        if (added)
            m_lanes.push_back({event.source.component, {}});
        m_lanes[it->second].marks.push_back(
            {event.monotonicNs, event.seq, static_cast<std::uint32_t>(i), event.kind});
        m_firstNs = first ? event.monotonicNs : std::min(m_firstNs, event.monotonicNs);
        m_lastNs = first ? event.monotonicNs : std::max(m_lastNs, event.monotonicNs);
        first = false;
    }

    // Recorders write events in seq order, which is close to time order: checking first
    // skips most of the sorting.
    for (TimelineLane &lane : m_lanes)
        if (!std::is_sorted(lane.marks.begin(), lane.marks.end(), markBefore))
            std::sort(lane.marks.begin(), lane.marks.end(), markBefore);

    m_places.resize(events.size());
    for (int laneIndex = 0; laneIndex < laneCount(); ++laneIndex) {
        const auto &marks = m_lanes[laneIndex].marks;
        for (std::size_t j = 0; j < marks.size(); ++j)
            m_places[marks[j].eventIndex] = {marks[j].seq, laneIndex, static_cast<int>(j)};
    }
    auto bySeq = [](const Location &a, const Location &b) { return a.seq < b.seq; };
    if (!std::is_sorted(m_places.begin(), m_places.end(), bySeq))
        std::sort(m_places.begin(), m_places.end(), bySeq);

    // A margin on both sides keeps the first and last marks off the plot's edges.
    const std::int64_t span = m_lastNs - m_firstNs;
    const std::int64_t margin = std::max<std::int64_t>(span / 50, kMinSpanNs / 2);
    m_fullStartNs = m_firstNs - margin;
    m_fullEndNs = m_lastNs + margin;
    fitAll();
}

int TimelineLayout::laneOf(const std::string &component) const
{
    for (int i = 0; i < laneCount(); ++i)
        if (m_lanes[i].component == component)
            return i;
    return -1;
}

std::optional<TimelinePlace> TimelineLayout::find(std::uint64_t seq) const
{
    auto it = std::lower_bound(m_places.begin(), m_places.end(), seq,
                               [](const Location &l, std::uint64_t s) { return l.seq < s; });
    if (it == m_places.end() || it->seq != seq)
        return std::nullopt;
    return TimelinePlace{it->lane, m_lanes[it->lane].marks[it->index]};
}

// --- the visible range -------------------------------------------------------------------

void TimelineLayout::setView(std::int64_t startNs, std::int64_t endNs)
{
    if (endNs < startNs)
        std::swap(startNs, endNs);
    if (endNs - startNs < kMinSpanNs) {
        const std::int64_t centre = startNs + (endNs - startNs) / 2;
        startNs = centre - kMinSpanNs / 2;
        endNs = startNs + kMinSpanNs;
    }
    const std::int64_t span = endNs - startNs;
    if (span >= m_fullEndNs - m_fullStartNs) {
        fitAll();
        return;
    }
    if (startNs < m_fullStartNs) {
        startNs = m_fullStartNs;
        endNs = startNs + span;
    } else if (endNs > m_fullEndNs) {
        endNs = m_fullEndNs;
        startNs = endNs - span;
    }
    m_viewStartNs = startNs;
    m_viewEndNs = endNs;
}

void TimelineLayout::fitAll()
{
    m_viewStartNs = m_fullStartNs;
    m_viewEndNs = m_fullEndNs;
}

void TimelineLayout::zoom(double factor, std::int64_t anchorNs)
{
    if (!(factor > 0))
        return;
    const double span = static_cast<double>(viewSpanNs());
    const double newSpan = std::max(span / factor, static_cast<double>(kMinSpanNs));
    const double anchorFraction = static_cast<double>(anchorNs - m_viewStartNs) / span;
    const auto start = anchorNs - static_cast<std::int64_t>(std::llround(anchorFraction * newSpan));
    setView(start, start + static_cast<std::int64_t>(std::llround(newSpan)));
}

void TimelineLayout::pan(std::int64_t deltaNs)
{
    setView(m_viewStartNs + deltaNs, m_viewEndNs + deltaNs);
}

void TimelineLayout::ensureVisible(std::int64_t fromNs, std::int64_t toNs)
{
    if (toNs < fromNs)
        std::swap(fromNs, toNs);
    const std::int64_t span = viewSpanNs();
    // A little room so that a mark is not left on the very edge.
    const std::int64_t edge = span / 40;
    if (fromNs >= m_viewStartNs + edge && toNs <= m_viewEndNs - edge)
        return;
    const std::int64_t wanted = toNs - fromNs;
    if (wanted + 4 * edge <= span) {
        const std::int64_t centre = fromNs + wanted / 2;
        setView(centre - span / 2, centre - span / 2 + span);
        return;
    }
    const std::int64_t margin = std::max<std::int64_t>(wanted / 10, kMinSpanNs);
    setView(fromNs - margin, toNs + margin);
}

// --- geometry ------------------------------------------------------------------------------

double TimelineLayout::xForNs(std::int64_t ns) const
{
    return m_geometry.plotLeft + static_cast<double>(ns - m_viewStartNs) * m_geometry.plotWidth /
                                     static_cast<double>(viewSpanNs());
}

std::int64_t TimelineLayout::nsForX(double x) const
{
    return m_viewStartNs + static_cast<std::int64_t>(std::llround(
                               (x - m_geometry.plotLeft) * static_cast<double>(viewSpanNs()) /
                               m_geometry.plotWidth));
}

int TimelineLayout::columnForNs(std::int64_t ns) const
{
    // Monotonic in ns (floating-point rounding never reverses an order), which the binary
    // searches in columns() rely on.
    return static_cast<int>(std::floor(static_cast<double>(ns - m_viewStartNs) *
                                       m_geometry.plotWidth / static_cast<double>(viewSpanNs())));
}

int TimelineLayout::laneAt(double y) const
{
    if (y < m_geometry.lanesTop || m_geometry.laneHeight <= 0)
        return -1;
    const int lane = static_cast<int>((y - m_geometry.lanesTop) / m_geometry.laneHeight);
    return lane < laneCount() ? lane : -1;
}

double TimelineLayout::laneTop(int lane) const
{
    return m_geometry.lanesTop + lane * m_geometry.laneHeight;
}

double TimelineLayout::laneCenterY(int lane) const
{
    return laneTop(lane) + m_geometry.laneHeight / 2;
}

std::optional<TimelinePoint> TimelineLayout::markPosition(std::uint64_t seq) const
{
    const auto place = find(seq);
    if (!place)
        return std::nullopt;
    return TimelinePoint{xForNs(place->mark.ns), laneCenterY(place->lane)};
}

// --- what to paint and what was hit ----------------------------------------------------------

std::size_t TimelineLayout::lowerIndex(const TimelineLane &lane, std::int64_t ns) const
{
    return std::partition_point(lane.marks.begin(), lane.marks.end(),
                                [ns](const TimelineMark &m) { return m.ns < ns; }) -
           lane.marks.begin();
}

std::size_t TimelineLayout::upperIndex(const TimelineLane &lane, std::int64_t ns) const
{
    return std::partition_point(lane.marks.begin(), lane.marks.end(),
                                [ns](const TimelineMark &m) { return m.ns <= ns; }) -
           lane.marks.begin();
}

std::vector<TimelineColumn> TimelineLayout::columns(int laneIndex) const
{
    std::vector<TimelineColumn> result;
    const TimelineLane &lane = m_lanes.at(laneIndex);
    const int width = std::max(1, static_cast<int>(m_geometry.plotWidth));
    const auto columnOf = [&](const TimelineMark &m) {
        return std::clamp(columnForNs(m.ns), 0, width - 1);
    };
    // The first time that falls in a later column than `column`: an estimate, then corrected
    // against columnForNs so that the two never disagree on a mark at a column's edge.
    const double nsPerColumn = static_cast<double>(viewSpanNs()) / m_geometry.plotWidth;
    const auto boundaryAfter = [&](int column) {
        if (column >= width - 1)
            return m_viewEndNs + 1; // the right edge belongs to the last column
        auto boundary =
            m_viewStartNs + static_cast<std::int64_t>(std::ceil((column + 1) * nsPerColumn));
        while (columnForNs(boundary - 1) > column)
            --boundary;
        while (columnForNs(boundary) <= column)
            ++boundary;
        return boundary;
    };
    auto it = lane.marks.begin() + lowerIndex(lane, m_viewStartNs);
    const auto end = lane.marks.begin() + upperIndex(lane, m_viewEndNs);
    while (it != end) {
        const int column = columnOf(*it);
        const std::int64_t boundary = boundaryAfter(column);
        // Galloping, then bisecting: a column of k marks costs about log k comparisons.
        const std::ptrdiff_t remaining = end - it;
        std::ptrdiff_t bound = 1;
        while (bound < remaining && it[bound].ns < boundary)
            bound *= 2;
        const auto next =
            std::partition_point(it + bound / 2, it + std::min(bound, remaining),
                                 [boundary](const TimelineMark &m) { return m.ns < boundary; });
        const TimelineMark &last = *(next - 1);
        result.push_back({column, static_cast<int>(next - it), last.kind, last.seq});
        it = next;
    }
    return result;
}

std::optional<std::uint64_t>
TimelineLayout::hitTest(double x, double y, double tolerancePx,
                        const std::vector<std::uint64_t> &preferred) const
{
    const int laneIndex = laneAt(y);
    if (laneIndex < 0)
        return std::nullopt;
    if (x < m_geometry.plotLeft - tolerancePx ||
        x > m_geometry.plotLeft + m_geometry.plotWidth + tolerancePx)
        return std::nullopt;

    std::optional<std::uint64_t> best;
    double bestDistance = tolerancePx;
    for (std::uint64_t seq : preferred) {
        const auto place = find(seq);
        if (!place || place->lane != laneIndex)
            continue;
        if (place->mark.ns < m_viewStartNs || place->mark.ns > m_viewEndNs)
            continue;
        const double distance = std::abs(xForNs(place->mark.ns) - x);
        if (distance < bestDistance || (!best && distance <= bestDistance)) {
            best = seq;
            bestDistance = distance;
        }
    }
    if (best)
        return best;

    const TimelineLane &lane = m_lanes[laneIndex];
    const std::int64_t from = std::max(nsForX(x - tolerancePx), m_viewStartNs);
    const std::int64_t to = std::min(nsForX(x + tolerancePx), m_viewEndNs);
    if (from > to)
        return std::nullopt;
    const std::size_t lo = lowerIndex(lane, from);
    const std::size_t hi = upperIndex(lane, to);
    if (lo >= hi)
        return std::nullopt;
    // The nearest is next to where x falls: the first mark at or after it, or the one before.
    const std::size_t pivot = std::clamp(lowerIndex(lane, nsForX(x)), lo, hi - 1);
    std::size_t nearest = pivot;
    if (pivot > lo && std::abs(xForNs(lane.marks[pivot - 1].ns) - x) <=
                          std::abs(xForNs(lane.marks[pivot].ns) - x))
        nearest = pivot - 1;
    if (std::abs(xForNs(lane.marks[nearest].ns) - x) > tolerancePx)
        return std::nullopt;
    return lane.marks[nearest].seq;
}

std::vector<std::uint64_t> TimelineLayout::seqsInRange(std::int64_t fromNs, std::int64_t toNs) const
{
    if (toNs < fromNs)
        std::swap(fromNs, toNs);
    std::vector<std::uint64_t> seqs;
    seqs.reserve(countInRange(fromNs, toNs));
    for (const TimelineLane &lane : m_lanes) {
        const std::size_t hi = upperIndex(lane, toNs);
        for (std::size_t i = lowerIndex(lane, fromNs); i < hi; ++i)
            seqs.push_back(lane.marks[i].seq);
    }
    std::sort(seqs.begin(), seqs.end());
    return seqs;
}

std::size_t TimelineLayout::countInRange(std::int64_t fromNs, std::int64_t toNs) const
{
    std::size_t count = 0;
    for (int i = 0; i < laneCount(); ++i)
        count += countInRange(i, fromNs, toNs);
    return count;
}

std::size_t TimelineLayout::countInRange(int laneIndex, std::int64_t fromNs,
                                         std::int64_t toNs) const
{
    if (toNs < fromNs)
        std::swap(fromNs, toNs);
    const TimelineLane &lane = m_lanes.at(laneIndex);
    const std::size_t lo = lowerIndex(lane, fromNs);
    const std::size_t hi = upperIndex(lane, toNs);
    return hi > lo ? hi - lo : 0;
}

// --- the time axis ---------------------------------------------------------------------------

std::int64_t TimelineLayout::tickStepNs(double minSpacingPx) const
{
    const double nsPerPx = static_cast<double>(viewSpanNs()) / std::max(1.0, m_geometry.plotWidth);
    const double wanted = std::max(1.0, minSpacingPx * nsPerPx);
    for (std::int64_t decade = 1; decade <= 1'000'000'000'000'000LL; decade *= 10)
        for (std::int64_t mantissa : {1, 2, 5})
            if (static_cast<double>(mantissa * decade) >= wanted)
                return mantissa * decade;
    return 1'000'000'000'000'000LL;
}

std::vector<TimelineTick> TimelineLayout::ticks(std::int64_t stepNs) const
{
    std::vector<TimelineTick> result;
    if (stepNs <= 0)
        return result;
    // Ticks count from the first event; none before it, where there is only margin.
    std::int64_t k = std::max<std::int64_t>(0, floorDiv(m_viewStartNs - m_firstNs, stepNs));
    for (int guard = 0; guard < 1000; ++guard, ++k) {
        const std::int64_t ns = m_firstNs + k * stepNs;
        if (ns > m_viewEndNs)
            break;
        if (ns >= m_viewStartNs)
            result.push_back({ns, formatOffset(ns - m_firstNs, stepNs)});
    }
    return result;
}

std::string TimelineLayout::formatOffset(std::int64_t offsetNs, std::int64_t stepNs) const
{
    if (offsetNs == 0)
        return "0";
    const std::int64_t magnitude =
        std::max({std::llabs(m_viewStartNs - m_firstNs), std::llabs(m_viewEndNs - m_firstNs),
                  std::llabs(stepNs)});
    const TimeUnit unit = unitFor(magnitude);
    // Enough decimals that neighbouring ticks differ; steps are 1, 2 or 5 times a power of
    // ten, so a few multiplications find it.
    int decimals = 0;
    std::int64_t scaled = std::max<std::int64_t>(1, std::llabs(stepNs));
    while (scaled % unit.ns != 0 && decimals < 9) {
        scaled *= 10;
        ++decimals;
    }
    return formatInUnit(offsetNs, unit, decimals);
}

std::string TimelineLayout::formatDuration(std::int64_t ns)
{
    const TimeUnit unit = unitFor(std::llabs(ns));
    const double value = std::abs(static_cast<double>(ns) / static_cast<double>(unit.ns));
    const int decimals = unit.ns == 1 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
    std::string text = formatInUnit(ns, unit, decimals);
    // "1.50 ms" reads better as "1.5 ms".
    if (decimals > 0) {
        const std::size_t space = text.find(' ');
        std::size_t cut = space;
        while (cut > 0 && text[cut - 1] == '0')
            --cut;
        if (cut > 0 && text[cut - 1] == '.')
            --cut;
        text.erase(cut, space - cut);
    }
    return text;
}

} // namespace flowlab
