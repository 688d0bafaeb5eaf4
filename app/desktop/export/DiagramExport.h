#pragma once

// Exports for handouts and slides: the diagram of the current step as PNG or SVG, every step
// as a slide deck (an image per step and an index.html with the lesson's explanations), and
// the bundle's files for Wireshark (pcapng) and Perfetto (trace events).

#include "tracer/base/Progress.h"
#include "tracer/base/Result.h"

#include <QString>

namespace flowlab {

class FlowScene;
class Walkthrough;

// PNG at `scale` × the scene's size (1600 units wide: 1.2 gives 1920 pixels).
Status exportDiagramPng(FlowScene &scene, const QString &path, double scale = 1.2);
Status exportDiagramSvg(FlowScene &scene, const QString &path);

// DIR/step-01.png … step-NN.png, the same as SVG, and DIR/index.html that shows them in
// order with each step's explanation and evidence status. Returns the number of slides.
Result<int> exportSlides(const Walkthrough &walkthrough, const QString &dir,
                         const ProgressFn &progress = {});

// The bundle as a directory again: trace.json, trace-events.json, lesson.json, and the
// capture when the bundle came with one.
Status saveBundle(const Walkthrough &walkthrough, const QString &dir);
Status exportPcapng(const Walkthrough &walkthrough, const QString &path);
Status exportTraceEvents(const Walkthrough &walkthrough, const QString &path);

} // namespace flowlab
