// The timeline widget, offscreen, over the recorded docker-run bundle: a lane per component,
// a click on a mark selects its event, a brush selects the events in its range, the view
// zooms and pans from the keyboard and the wheel, and a step's evidence is brought into view.
// A SYNTHETIC 100,000-event trace checks that the view copes with a trace of that size.

#include "../GuiTestSupport.h"
#include "TimelineFixtures.h"
#include "app/desktop/theme/Theme.h"
#include "app/desktop/timeline/TimelineView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QScrollBar>
#include <QSignalSpy>
#include <QToolTip>
#include <QWheelEvent>
#include <ctime>
#include <memory>

using namespace flowlab;
using namespace flowlab::test;

namespace {

std::unique_ptr<TimelineView> showTimeline(const Walkthrough &walkthrough, QSize size = {1280, 720})
{
    auto view = std::make_unique<TimelineView>();
    view->resize(size);
    view->setWalkthrough(&walkthrough);
    view->show();
    if (!QTest::qWaitForWindowExposed(view.get()))
        qWarning("the timeline window was not exposed");
    return view;
}

// The seqs of events at fromNs..toNs, straight from the walkthrough.
std::vector<std::uint64_t> eventsBetween(const Walkthrough &walkthrough, std::int64_t fromNs,
                                         std::int64_t toNs)
{
    std::vector<std::uint64_t> seqs;
    for (const Event &event : walkthrough.events())
        if (event.monotonicNs >= fromNs && event.monotonicNs <= toNs)
            seqs.push_back(event.seq);
    return seqs;
}

// The lanes' part of the viewport: below the axis, above the legend.
bool inLanesArea(const TimelineView &view, const QPoint &point)
{
    const TimelineGeometry &g = view.timelineLayout().geometry();
    const int header = static_cast<int>(g.lanesTop) + view.verticalScrollBar()->value();
    return point.x() >= g.plotLeft - 1 && point.x() <= g.plotLeft + g.plotWidth + 1 &&
           point.y() >= header && point.y() < view.viewport()->height();
}

void sendWheel(QWidget *target, QPoint pos, QPoint angleDelta, Qt::KeyboardModifiers modifiers)
{
    QWheelEvent wheel(pos, target->mapToGlobal(pos), QPoint(), angleDelta, Qt::NoButton, modifiers,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(target, &wheel);
}

} // namespace

class TestTimeline : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { ThemeManager::instance().apply(Theme::make(Theme::Scheme::Light, false)); }

    void aLanePerComponentInOrderOfFirstAppearance()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough walkthrough = openRecordedBundle();
        auto view = showTimeline(walkthrough);
        const TimelineLayout &layout = view->timelineLayout();
        const auto &components = walkthrough.eventComponents();
        QCOMPARE(layout.laneCount(), static_cast<int>(components.size()));
        std::size_t marks = 0;
        for (int i = 0; i < layout.laneCount(); ++i) {
            QCOMPARE(layout.lane(i).component, components[i]);
            for (const TimelineMark &mark : layout.lane(i).marks) {
                const Event *event = walkthrough.event(mark.seq);
                QVERIFY(event);
                QCOMPARE(event->source.component, components[i]);
                QCOMPARE(mark.ns, event->monotonicNs);
            }
            marks += layout.lane(i).marks.size();
        }
        QCOMPARE(marks, walkthrough.events().size());
        QVERIFY(layout.isFitted());
        QVERIFY(layout.viewStartNs() < walkthrough.firstNs());
        QVERIFY(layout.viewEndNs() > walkthrough.lastNs());
        saveScreenshot(view.get(), "timeline-docker-run");

        view->setWalkthrough(nullptr);
        QCOMPARE(view->timelineLayout().laneCount(), 0);
        QVERIFY(!view->grab().isNull());
    }

    void clickingAMarkSelectsItsEvent()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough walkthrough = openRecordedBundle();
        auto view = showTimeline(walkthrough);
        const TimelineLayout &layout = view->timelineLayout();

        // In each lane, the mark farthest from its neighbours, with the view zoomed until
        // they are at least 20 px away, so that a click there can only mean that mark.
        QSignalSpy selected(view.get(), &TimelineView::eventSelected);
        std::vector<std::uint64_t> clicked;
        for (int lane = 0; lane < layout.laneCount(); ++lane) {
            const auto &marks = layout.lane(lane).marks;
            std::size_t loneliest = 0;
            std::int64_t widestGap = -1;
            for (std::size_t j = 0; j < marks.size(); ++j) {
                std::int64_t gap = walkthrough.lastNs() - walkthrough.firstNs();
                if (j > 0)
                    gap = std::min(gap, marks[j].ns - marks[j - 1].ns);
                if (j + 1 < marks.size())
                    gap = std::min(gap, marks[j + 1].ns - marks[j].ns);
                if (gap > widestGap) {
                    widestGap = gap;
                    loneliest = j;
                }
            }
            const auto span = static_cast<std::int64_t>(
                std::min<double>(walkthrough.lastNs() - walkthrough.firstNs(),
                                 widestGap * layout.geometry().plotWidth / 40));
            if (span < TimelineLayout::kMinSpanNs)
                continue; // events at the very same nanosecond: nothing to tell apart
            const TimelineMark &mark = marks[loneliest];
            view->setVisibleRange(mark.ns - span / 2, mark.ns + span / 2);

            const auto position = view->markPosition(mark.seq);
            QVERIFY(position);
            QVERIFY(inLanesArea(*view, *position));
            selected.clear();
            QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, *position);
            QCOMPARE(selected.count(), 1);
            QCOMPARE(selected.at(0).at(0).value<std::uint64_t>(), mark.seq);
            QCOMPARE(view->selectedEvent(), std::optional<std::uint64_t>(mark.seq));
            clicked.push_back(mark.seq);
        }
        QVERIFY2(clicked.size() * 2 > std::size_t(layout.laneCount()),
                 qPrintable(QString("clicked in only %1 lanes").arg(clicked.size())));

        // 10 px beside the last mark, whose neighbours are 20 px away or more: nothing is hit.
        selected.clear();
        const auto lone = *view->markPosition(clicked.back());
        const QPoint besideIt(
            lone.x() > layout.geometry().plotLeft + 40 ? lone.x() - 10 : lone.x() + 10, lone.y());
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, besideIt);
        QCOMPARE(selected.count(), 0);
        saveScreenshot(view.get(), "timeline-selected");

        // Hovering a mark names its kind, component and summary.
        const Event *event = walkthrough.event(clicked.back());
        QHelpEvent help(QEvent::ToolTip, lone, view->viewport()->mapToGlobal(lone));
        QApplication::sendEvent(view->viewport(), &help);
        QVERIFY(QToolTip::isVisible());
        const QString tip = QToolTip::text();
        QVERIFY2(tip.contains(QString::fromUtf8(toString(event->kind).data())), qPrintable(tip));
        QVERIFY2(tip.contains(QString::fromStdString(event->source.component)), qPrintable(tip));
        QVERIFY2(tip.contains(QString::fromStdString(event->summary).toHtmlEscaped()),
                 qPrintable(tip));
    }

    void clicksPreferTheCurrentStepsEvidence()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough walkthrough = openRecordedBundle();
        auto view = showTimeline(walkthrough);
        QSignalSpy selected(view.get(), &TimelineView::eventSelected);
        int checked = 0;
        for (int step = 0; step < walkthrough.stepCount(); ++step) {
            view->setCurrentStep(step);
            const TimelineLayout &layout = view->timelineLayout();
            const auto &evidence = walkthrough.step(step).evidence;
            for (const StepEvidence &item : evidence) {
                const auto place = layout.find(item.event->seq);
                QVERIFY(place);
                // Skip evidence that shares its spot with other evidence of the step.
                const double x = layout.xForNs(place->mark.ns);
                const bool alone =
                    std::none_of(evidence.begin(), evidence.end(), [&](const StepEvidence &other) {
                        const auto otherPlace = layout.find(other.event->seq);
                        return other.event != item.event && otherPlace->lane == place->lane &&
                               std::abs(layout.xForNs(otherPlace->mark.ns) - x) < 12;
                    });
                if (!alone)
                    continue;
                selected.clear();
                QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                                  *view->markPosition(item.event->seq));
                QCOMPARE(selected.count(), 1);
                QCOMPARE(selected.at(0).at(0).value<std::uint64_t>(), item.event->seq);
                ++checked;
            }
        }
        QVERIFY2(checked >= 5, qPrintable(QString("only %1 evidence marks checked").arg(checked)));
    }

    void brushingSelectsTheEventsInTheRangeAndZoomsToIt()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough walkthrough = openRecordedBundle();
        auto view = showTimeline(walkthrough);
        const TimelineLayout &layout = view->timelineLayout();
        const TimelineGeometry &g = layout.geometry();
        const int y = static_cast<int>(layout.laneCenterY(1));
        const QPoint from(static_cast<int>(g.plotLeft + g.plotWidth * 0.30), y);
        const QPoint to(static_cast<int>(g.plotLeft + g.plotWidth * 0.62), y + 40);

        QSignalSpy ranges(view.get(), &TimelineView::rangeSelected);
        QTest::mousePress(view->viewport(), Qt::LeftButton, {}, from);
        QTest::mouseMove(view->viewport(), (from + to) / 2);
        QTest::mouseMove(view->viewport(), to);
        QTest::mouseRelease(view->viewport(), Qt::LeftButton, {}, to);

        QCOMPARE(ranges.count(), 1);
        const auto seqs = ranges.at(0).at(0).value<std::vector<std::uint64_t>>();
        const std::int64_t fromNs = layout.nsForX(from.x());
        const std::int64_t toNs = layout.nsForX(to.x());
        const auto expected = eventsBetween(walkthrough, fromNs, toNs);
        QVERIFY(!expected.empty());
        QVERIFY(expected.size() < walkthrough.events().size());
        QCOMPARE(seqs, expected);
        QVERIFY(view->hasBrush());
        QCOMPARE(view->brushStartNs(), fromNs);
        QCOMPARE(view->brushEndNs(), toNs);
        saveScreenshot(view.get(), "timeline-brush");

        view->setFocus();
        QTest::keyClick(view.get(), Qt::Key_Z);
        QCOMPARE(layout.viewStartNs(), fromNs);
        QCOMPARE(layout.viewEndNs(), toNs);
        saveScreenshot(view.get(), "timeline-zoomed-to-brush");

        QTest::keyClick(view.get(), Qt::Key_Escape);
        QVERIFY(!view->hasBrush());
        QCOMPARE(ranges.count(), 2);
        QVERIFY(ranges.at(1).at(0).value<std::vector<std::uint64_t>>().empty());
    }

    void keysAndTheWheelZoomAndPanAndHomeRestores()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough walkthrough = openRecordedBundle();
        auto view = showTimeline(walkthrough);
        const TimelineLayout &layout = view->timelineLayout();
        view->setFocus();
        const std::int64_t fullStart = layout.viewStartNs();
        const std::int64_t fullEnd = layout.viewEndNs();

        QTest::keyClick(view.get(), Qt::Key_Plus);
        QVERIFY(layout.viewSpanNs() < (fullEnd - fullStart) * 0.7);
        QVERIFY(layout.viewStartNs() >= fullStart && layout.viewEndNs() <= fullEnd);
        QTest::keyClick(view.get(), Qt::Key_Plus);
        const std::int64_t zoomed = layout.viewSpanNs();
        QTest::keyClick(view.get(), Qt::Key_Minus);
        QVERIFY(layout.viewSpanNs() > zoomed);
        QVERIFY(view->horizontalScrollBar()->maximum() > 0); // there is somewhere to scroll

        const std::int64_t startBeforePan = layout.viewStartNs();
        const std::int64_t spanBeforePan = layout.viewSpanNs();
        QTest::keyClick(view.get(), Qt::Key_Right);
        QVERIFY(layout.viewStartNs() > startBeforePan);
        QCOMPARE(layout.viewSpanNs(), spanBeforePan);

        QTest::keyClick(view.get(), Qt::Key_Home);
        QCOMPARE(layout.viewStartNs(), fullStart);
        QCOMPARE(layout.viewEndNs(), fullEnd);

        // Ctrl+wheel zooms around the pointer: the time under it stays under it.
        const TimelineGeometry &g = layout.geometry();
        const QPoint pointer(static_cast<int>(g.plotLeft + g.plotWidth * 0.7),
                             static_cast<int>(layout.laneCenterY(0)));
        const std::int64_t underPointer = layout.nsForX(pointer.x());
        sendWheel(view->viewport(), pointer, {0, 240}, Qt::ControlModifier);
        QVERIFY(layout.viewSpanNs() < fullEnd - fullStart);
        QVERIFY(std::abs(layout.xForNs(underPointer) - pointer.x()) < 1.0);

        // The plain wheel and Shift+wheel move through time at the same zoom.
        const std::int64_t span = layout.viewSpanNs();
        const std::int64_t start = layout.viewStartNs();
        sendWheel(view->viewport(), pointer, {0, -120}, Qt::NoModifier);
        QVERIFY(layout.viewStartNs() > start);
        QCOMPARE(layout.viewSpanNs(), span);
        const std::int64_t later = layout.viewStartNs();
        sendWheel(view->viewport(), pointer, {120, 0}, Qt::ShiftModifier);
        QVERIFY(layout.viewStartNs() < later);

        QTest::keyClick(view.get(), Qt::Key_0);
        QVERIFY(layout.isFitted());
    }

    void aStepsEvidenceIsBroughtIntoView()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough walkthrough = openRecordedBundle();
        // Too short for every lane, so that lanes must scroll too.
        auto view = showTimeline(walkthrough, {1100, 300});
        QVERIFY(view->verticalScrollBar()->maximum() > 0);
        const TimelineLayout &layout = view->timelineLayout();
        for (int step = 0; step < walkthrough.stepCount(); ++step) {
            // Start from a narrow view at the far end, away from most evidence.
            view->setVisibleRange(walkthrough.lastNs() - 200'000, walkthrough.lastNs());
            view->verticalScrollBar()->setValue(view->verticalScrollBar()->maximum());
            view->setCurrentStep(step);
            QCOMPARE(view->currentStep(), step);
            int shown = 0;
            for (const StepEvidence &evidence : walkthrough.step(step).evidence) {
                const std::int64_t ns = evidence.event->monotonicNs;
                QVERIFY2(ns >= layout.viewStartNs() && ns <= layout.viewEndNs(),
                         walkthrough.step(step).lessonStep->id.c_str());
                if (inLanesArea(*view, *view->markPosition(evidence.event->seq)))
                    ++shown;
            }
            QVERIFY2(shown > 0, walkthrough.step(step).lessonStep->id.c_str());
        }
        view->resize(1280, 720);
        QApplication::processEvents(); // scroll bars show or hide on a queued signal
        view->setCurrentStep(3);
        saveScreenshot(view.get(), "timeline-step-pull");
        const int last = walkthrough.stepCount() - 1;
        view->setCurrentStep(last);
        saveScreenshot(view.get(), "timeline-step-request");

        // F frames the step: the view closes in on its evidence, all of it still in view.
        const std::int64_t before = layout.viewSpanNs();
        view->setFocus();
        QTest::keyClick(view.get(), Qt::Key_F);
        QVERIFY(layout.viewSpanNs() < before);
        std::int64_t first = walkthrough.lastNs();
        std::int64_t lastNs = walkthrough.firstNs();
        for (const StepEvidence &evidence : walkthrough.step(last).evidence) {
            first = std::min(first, evidence.event->monotonicNs);
            lastNs = std::max(lastNs, evidence.event->monotonicNs);
        }
        QVERIFY(layout.viewStartNs() <= first && layout.viewEndNs() >= lastNs);
        QVERIFY(layout.viewSpanNs() <= (lastNs - first) * 2 + TimelineLayout::kMinSpanNs * 2);
        saveScreenshot(view.get(), "timeline-step-request-framed");

        view->setCurrentStep(-1);
        QCOMPARE(view->currentStep(), -1);
    }

    void followsTheTheme()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough walkthrough = openRecordedBundle();
        auto view = showTimeline(walkthrough);
        view->setCurrentStep(7);
        const double laneHeight = view->timelineLayout().geometry().laneHeight;
        ThemeManager::instance().apply(Theme::make(Theme::Scheme::Dark, false));
        saveScreenshot(view.get(), "timeline-dark");
        // Presenter mode: larger type, taller lanes, and in 720 px the lanes now scroll.
        ThemeManager::instance().apply(Theme::make(Theme::Scheme::Light, true));
        QApplication::processEvents(); // scroll bars show or hide on a queued signal
        QVERIFY(view->timelineLayout().geometry().laneHeight > laneHeight);
        QVERIFY(view->verticalScrollBar()->maximum() > 0);
        saveScreenshot(view.get(), "timeline-presenter");
    }

    void copesWithASyntheticTraceOf100kEvents()
    {
        // SYNTHETIC: generated events, to check the view at this size (see TimelineFixtures.h).
        const Walkthrough walkthrough = syntheticWalkthrough(100'000, 12);
        auto view = showTimeline(walkthrough);
        const TimelineLayout &layout = view->timelineLayout();
        QCOMPARE(layout.laneCount(), 12);
        QCOMPARE(layout.eventCount(), std::size_t(100'000));

        // Fitted, every event falls in exactly one pixel column of its lane.
        const int width = static_cast<int>(layout.geometry().plotWidth);
        std::size_t binned = 0;
        for (int lane = 0; lane < layout.laneCount(); ++lane) {
            const auto &marks = layout.lane(lane).marks;
            QVERIFY(std::is_sorted(marks.begin(), marks.end(),
                                   [](const auto &a, const auto &b) { return a.ns < b.ns; }));
            const auto columns = layout.columns(lane);
            QVERIFY(static_cast<int>(columns.size()) <= width);
            for (const TimelineColumn &column : columns)
                binned += column.count;
        }
        QCOMPARE(binned, std::size_t(100'000));

        // For the record, not asserted (timing belongs to tests/bench): what opening and
        // stepping cost here.
        {
            TimelineView fresh;
            fresh.resize(1280, 720);
            fresh.show();
            QVERIFY(QTest::qWaitForWindowExposed(&fresh));
            QElapsedTimer timer;
            timer.start();
            fresh.setWalkthrough(&walkthrough);
            fresh.viewport()->repaint();
            const qint64 openMs = timer.elapsed();
            // CPU time as well as wall time: on a busy machine the wall clock mostly measures
            // the wait for a core.
            std::vector<qint64> stepUs;
            std::vector<qint64> stepCpuUs;
            for (int i = 0; i < 21; ++i) {
                timespec cpuStart{};
                timespec cpuEnd{};
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpuStart);
                timer.restart();
                fresh.setCurrentStep(i % 2);
                fresh.viewport()->repaint();
                stepUs.push_back(timer.nsecsElapsed() / 1000);
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpuEnd);
                stepCpuUs.push_back((cpuEnd.tv_sec - cpuStart.tv_sec) * 1'000'000 +
                                    (cpuEnd.tv_nsec - cpuStart.tv_nsec) / 1000);
            }
            std::nth_element(stepUs.begin(), stepUs.begin() + 10, stepUs.end());
            std::nth_element(stepCpuUs.begin(), stepCpuUs.begin() + 10, stepCpuUs.end());
            qInfo("synthetic 100k events: set + first paint %lld ms; step + repaint median "
                  "%lld us wall, %lld us CPU",
                  openMs, stepUs[10], stepCpuUs[10]);
        }
        QVERIFY(!view->grab().isNull());
        saveScreenshot(view.get(), "timeline-synthetic-100k");

        view->setCurrentStep(1);
        for (const StepEvidence &evidence : walkthrough.step(1).evidence)
            QVERIFY(evidence.event->monotonicNs <= layout.viewEndNs());
        QCOMPARE(layout.seqsInRange(walkthrough.firstNs(), walkthrough.lastNs()).size(),
                 std::size_t(100'000));

        // Zoomed in to 10 ms the marks stand apart and a click finds one.
        const std::int64_t middle = (walkthrough.firstNs() + walkthrough.lastNs()) / 2;
        view->setVisibleRange(middle, middle + 10'000'000);
        const auto &lane = layout.lane(0).marks;
        const auto inView = std::find_if(lane.begin(), lane.end(), [&](const TimelineMark &m) {
            return m.ns > middle + 2'000'000;
        });
        QVERIFY(inView != lane.end());
        QSignalSpy selected(view.get(), &TimelineView::eventSelected);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, *view->markPosition(inView->seq));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).value<std::uint64_t>(), inView->seq);
        saveScreenshot(view.get(), "timeline-synthetic-100k-zoomed");
    }
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
