// The timeline's arithmetic on small hand-made traces: lanes, the visible range, binning into
// pixel columns, hit testing, brushing and the axis labels. No pixels are painted.

#include "app/desktop/timeline/TimelineLayout.h"

#include <QTest>

using namespace flowlab;

namespace {

Event makeEvent(std::uint64_t seq, std::int64_t ns, const std::string &component,
                EventKind kind = EventKind::Log)
{
    Event event;
    event.seq = seq;
    event.monotonicNs = ns;
    event.kind = kind;
    event.source.component = component;
    return event;
}

TimelineGeometry plot(double left, double width, double lanesTop = 20, double laneHeight = 30)
{
    TimelineGeometry geometry;
    geometry.plotLeft = left;
    geometry.plotWidth = width;
    geometry.lanesTop = lanesTop;
    geometry.laneHeight = laneHeight;
    return geometry;
}

} // namespace

class TestTimelineLayout : public QObject
{
    Q_OBJECT

private slots:
    void lanesFollowTheComponentOrderAndSortByTime()
    {
        TimelineLayout layout;
        layout.setEvents({makeEvent(1, 300, "a"), makeEvent(2, 100, "b"), makeEvent(3, 200, "c"),
                          makeEvent(4, 50, "a")},
                         {"b", "a", "unused"});
        QCOMPARE(layout.laneCount(), 4);
        QCOMPARE(layout.lane(0).component, std::string("b"));
        QCOMPARE(layout.lane(1).component, std::string("a"));
        QCOMPARE(layout.lane(2).component, std::string("unused"));
        QVERIFY(layout.lane(2).marks.empty());
        QCOMPARE(layout.lane(3).component, std::string("c")); // not listed: appended
        QCOMPARE(layout.lane(1).marks.size(), std::size_t(2));
        QCOMPARE(layout.lane(1).marks[0].seq, std::uint64_t(4)); // earlier in time first
        QCOMPARE(layout.lane(1).marks[1].seq, std::uint64_t(1));
        QCOMPARE(layout.lane(1).marks[1].eventIndex, std::uint32_t(0));
        QCOMPARE(layout.eventCount(), std::size_t(4));
        QCOMPARE(layout.firstNs(), std::int64_t(50));
        QCOMPARE(layout.lastNs(), std::int64_t(300));
        QCOMPARE(layout.laneOf("a"), 1);
        QCOMPARE(layout.laneOf("nobody"), -1);

        const auto place = layout.find(3);
        QVERIFY(place);
        QCOMPARE(place->lane, 3);
        QCOMPARE(place->mark.ns, std::int64_t(200));
        QVERIFY(!layout.find(99));

        layout.clear();
        QCOMPARE(layout.laneCount(), 0);
        QVERIFY(!layout.find(3));
    }

    void viewStaysInsideTheTraceAndZoomKeepsTheAnchor()
    {
        TimelineLayout layout;
        layout.setEvents({makeEvent(1, 0, "a"), makeEvent(2, 1'000'000'000, "a")}, {"a"});
        layout.setGeometry(plot(100, 1000));
        QVERIFY(layout.isFitted());
        QVERIFY(layout.fullStartNs() < 0);
        QVERIFY(layout.fullEndNs() > 1'000'000'000);

        layout.setView(-5'000'000'000, 5'000'000'000);
        QVERIFY(layout.isFitted()); // wider than the trace: the whole trace

        layout.setView(100, 100);
        QCOMPARE(layout.viewSpanNs(), TimelineLayout::kMinSpanNs);

        layout.fitAll();
        const std::int64_t anchor = layout.nsForX(400);
        const std::int64_t before = layout.viewSpanNs();
        layout.zoom(2.0, anchor);
        QVERIFY(qAbs(layout.viewSpanNs() - before / 2) <= 1);
        QVERIFY(qAbs(layout.xForNs(anchor) - 400.0) < 0.01);

        const std::int64_t span = layout.viewSpanNs();
        layout.pan(1'000'000'000'000);
        QCOMPARE(layout.viewEndNs(), layout.fullEndNs());
        QCOMPARE(layout.viewSpanNs(), span);
        layout.pan(-1'000'000'000'000);
        QCOMPARE(layout.viewStartNs(), layout.fullStartNs());
        QCOMPARE(layout.viewSpanNs(), span);

        for (int i = 0; i < 200; ++i)
            layout.zoom(10.0, anchor);
        QCOMPARE(layout.viewSpanNs(), TimelineLayout::kMinSpanNs);
    }

    void ensureVisibleMovesTheViewAsLittleAsItCan()
    {
        TimelineLayout layout;
        layout.setEvents({makeEvent(1, 0, "a"), makeEvent(2, 1'000'000'000, "a")}, {"a"});
        layout.setView(0, 100'000'000);

        layout.ensureVisible(50'000'000, 60'000'000); // already visible
        QCOMPARE(layout.viewStartNs(), std::int64_t(0));
        QCOMPARE(layout.viewEndNs(), std::int64_t(100'000'000));

        layout.ensureVisible(500'000'000, 510'000'000); // fits: a pan
        QCOMPARE(layout.viewSpanNs(), std::int64_t(100'000'000));
        QVERIFY(layout.viewStartNs() < 500'000'000 && layout.viewEndNs() > 510'000'000);

        layout.ensureVisible(0, 900'000'000); // does not fit: a zoom out
        QVERIFY(layout.viewSpanNs() > 900'000'000);
        QVERIFY(layout.viewStartNs() <= 0 && layout.viewEndNs() >= 900'000'000);
    }

    void marksAreBinnedOnePerPixelColumn()
    {
        // 1000 events 1 µs apart over 10 pixels: 100 to a column, coloured by the last one.
        std::vector<Event> events;
        for (int i = 0; i < 1000; ++i)
            events.push_back(makeEvent(i + 1, i * 1000, "a",
                                       i % 100 == 99 ? EventKind::Packet : EventKind::Syscall));
        TimelineLayout layout;
        layout.setEvents(events, {"a"});
        layout.setGeometry(plot(50, 10));
        layout.setView(0, 1'000'000);
        const auto columns = layout.columns(0);
        QCOMPARE(columns.size(), std::size_t(10));
        int total = 0;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            QCOMPARE(columns[c].column, int(c));
            QCOMPARE(columns[c].count, 100);
            QVERIFY(columns[c].kind == EventKind::Packet);
            QCOMPARE(columns[c].seq, std::uint64_t(100 * c + 100));
            total += columns[c].count;
        }
        QCOMPARE(total, 1000);

        // Zoomed in until the events are far apart: one column each, only the visible ones.
        layout.setGeometry(plot(50, 1000));
        layout.setView(10'000, 20'000);
        const auto sparse = layout.columns(0);
        QCOMPARE(sparse.size(), std::size_t(11)); // 10 µs .. 20 µs inclusive
        QCOMPARE(sparse.front().column, 0);
        QCOMPARE(sparse.front().seq, std::uint64_t(11));
        QCOMPARE(sparse.back().column, 999); // the right edge belongs to the last column
        QCOMPARE(sparse[5].column, 500);
        QCOMPARE(sparse[5].count, 1);
    }

    void columnsAgreeWithBinningEachMarkOnItsOwn()
    {
        // Irregular times and awkward widths, checked against the obvious per-mark binning.
        std::vector<Event> events;
        std::uint64_t state = 12345;
        std::int64_t ns = 1'000'000;
        for (int i = 0; i < 5000; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            ns += static_cast<std::int64_t>((state >> 33) % (i % 50 == 0 ? 2'000'000 : 3000));
            events.push_back(makeEvent(i + 1, ns, "a", static_cast<EventKind>(i % 15)));
        }
        TimelineLayout layout;
        layout.setEvents(events, {"a"});
        const auto &marks = layout.lane(0).marks;
        for (double width : {1.0, 97.0, 1077.0, 3001.0}) {
            layout.setGeometry(plot(33, width));
            for (auto [from, to] : std::vector<std::pair<std::int64_t, std::int64_t>>{
                     {layout.fullStartNs(), layout.fullEndNs()},
                     {5'000'000, 5'001'337},
                     {marks[1000].ns, marks[1000].ns + 777'777},
                     {marks[4000].ns - 1, marks[4100].ns + 1}}) {
                layout.setView(from, to);
                std::vector<TimelineColumn> expected;
                for (const TimelineMark &mark : marks) {
                    if (mark.ns < layout.viewStartNs() || mark.ns > layout.viewEndNs())
                        continue;
                    const int column =
                        std::clamp(layout.columnForNs(mark.ns), 0, static_cast<int>(width) - 1);
                    if (expected.empty() || expected.back().column != column)
                        expected.push_back({column, 0, mark.kind, mark.seq});
                    ++expected.back().count;
                    expected.back().kind = mark.kind;
                    expected.back().seq = mark.seq;
                }
                const auto columns = layout.columns(0);
                QCOMPARE(columns.size(), expected.size());
                for (std::size_t c = 0; c < columns.size(); ++c) {
                    QCOMPARE(columns[c].column, expected[c].column);
                    QCOMPARE(columns[c].count, expected[c].count);
                    QCOMPARE(columns[c].seq, expected[c].seq);
                }
            }
        }
    }

    void hitTestFindsTheNearestMarkInTheLaneUnderThePointer()
    {
        TimelineLayout layout;
        layout.setEvents({makeEvent(1, 100, "a"), makeEvent(2, 500, "a"), makeEvent(3, 510, "a"),
                          makeEvent(4, 500, "b")},
                         {"a", "b"});
        layout.setGeometry(plot(100, 1000, 20, 30)); // lane a: y 20..50, lane b: 50..80
        layout.setView(0, 1000);                     // 1 ns per pixel
        QCOMPARE(layout.xForNs(500), 600.0);
        QCOMPARE(layout.laneAt(35), 0);
        QCOMPARE(layout.laneAt(65), 1);
        QCOMPARE(layout.laneAt(85), -1);
        QCOMPARE(layout.laneAt(5), -1);

        QCOMPARE(layout.hitTest(603, 35, 6), std::optional<std::uint64_t>(2));
        QCOMPARE(layout.hitTest(607, 35, 6), std::optional<std::uint64_t>(3));
        QCOMPARE(layout.hitTest(603, 65, 6), std::optional<std::uint64_t>(4));
        QCOMPARE(layout.hitTest(300, 35, 6), std::nullopt); // nothing within 6 px
        QCOMPARE(layout.hitTest(600, 5, 6), std::nullopt);  // above the lanes
        // The current step's evidence wins over a nearer ordinary mark.
        QCOMPARE(layout.hitTest(608, 35, 9, {2}), std::optional<std::uint64_t>(2));
        // ...but only in its own lane and within the tolerance.
        QCOMPARE(layout.hitTest(608, 35, 6, {2}), std::optional<std::uint64_t>(3));

        const auto position = layout.markPosition(4);
        QVERIFY(position);
        QCOMPARE(position->x, 600.0);
        QCOMPARE(position->y, 65.0);
    }

    void brushRangeGivesTheEventsInItInSeqOrder()
    {
        TimelineLayout layout;
        layout.setEvents({makeEvent(1, 400, "a"), makeEvent(2, 100, "b"), makeEvent(3, 500, "b"),
                          makeEvent(4, 501, "a"), makeEvent(5, 250, "c")},
                         {"a", "b", "c"});
        QCOMPARE(layout.seqsInRange(100, 500), (std::vector<std::uint64_t>{1, 2, 3, 5}));
        QCOMPARE(layout.seqsInRange(500, 100), (std::vector<std::uint64_t>{1, 2, 3, 5}));
        QCOMPARE(layout.seqsInRange(101, 249), std::vector<std::uint64_t>{});
        QCOMPARE(layout.countInRange(100, 500), std::size_t(4));
        QCOMPARE(layout.countInRange(1, 100, 500), std::size_t(2)); // lane b
    }

    void axisTicksAreRoundAndLabelledFromTheFirstEvent()
    {
        TimelineLayout layout;
        layout.setEvents({makeEvent(1, 7'000'000'000, "a"), makeEvent(2, 9'400'000'000, "a")},
                         {"a"});
        layout.setGeometry(plot(0, 1000));
        const std::int64_t step = layout.tickStepNs(100);
        QCOMPARE(step, std::int64_t(500'000'000));
        std::vector<std::string> labels;
        for (const TimelineTick &tick : layout.ticks(step))
            labels.push_back(tick.label);
        QCOMPARE(labels, (std::vector<std::string>{"0", "0.5 s", "1.0 s", "1.5 s", "2.0 s"}));

        // Deep in: microsecond ticks around the one-millisecond mark.
        layout.setView(7'001'000'000, 7'001'050'000);
        const std::int64_t fine = layout.tickStepNs(100);
        QCOMPARE(fine, std::int64_t(5'000));
        const auto ticks = layout.ticks(fine);
        QVERIFY(ticks.size() >= 10);
        QCOMPARE(ticks.front().ns, std::int64_t(7'001'000'000));
        QCOMPARE(ticks.front().label, std::string("1.000 ms"));
        QCOMPARE(ticks[1].label, std::string("1.005 ms"));

        QCOMPARE(TimelineLayout::formatDuration(12'300'000), std::string("12.3 ms"));
        QCOMPARE(TimelineLayout::formatDuration(840'000), std::string("840 \u00b5s"));
        QCOMPARE(TimelineLayout::formatDuration(1'500'000'000), std::string("1.5 s"));
        QCOMPARE(TimelineLayout::formatDuration(2'000'000'000), std::string("2 s"));
        QCOMPARE(TimelineLayout::formatDuration(999), std::string("999 ns"));
    }

    void anEmptyTraceHasNoLanesAndAValidView()
    {
        TimelineLayout layout;
        layout.setEvents({}, {});
        layout.setGeometry(plot(0, 500));
        QCOMPARE(layout.laneCount(), 0);
        QVERIFY(layout.viewSpanNs() >= TimelineLayout::kMinSpanNs);
        QVERIFY(layout.seqsInRange(0, 1'000'000).empty());
        QCOMPARE(layout.hitTest(10, 30, 5), std::nullopt);
        QVERIFY(!layout.ticks(layout.tickStepNs(80)).empty());
    }
};

QTEST_GUILESS_MAIN(TestTimelineLayout)
#include "tst_timeline_layout.moc"
