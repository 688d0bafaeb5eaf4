#pragma once

// The Explanation tab's document: the step's title, whether it was observed, the lesson's
// Markdown, and the evidence that proves it (links open the event) or, for a missing step,
// what was not seen and the nearest evidence that was.

#include "app/desktop/inspector/EvidenceIndex.h"

#include <QString>

class QTextDocument;

namespace flowlab {

// Links in the explanation point at events as "flowlab-event:SEQ".
inline constexpr const char *kEventLinkScheme = "flowlab-event";

void renderStepExplanation(QTextDocument *document, const Walkthrough &walkthrough, int step,
                           const StepEvidenceSet &evidence);

// One line above the tabs: "Step 8 of 10 · title · ● observed".
QString stepHeaderHtml(const Walkthrough &walkthrough, int step);

// "observed", "seen so far…", "waiting…", "not observed", "SYNTHETIC…", "explained", or
// "no result" for a step without one.
QString stepStatusText(const WalkthroughStep &step);

} // namespace flowlab
