#include "app/desktop/inspector/StepExplanation.h"

#include "app/desktop/theme/Theme.h"

#include <QTextBlock>
#include <QTextBlockFormat>
#include <QTextCharFormat>
#include <QTextCursor>
#include <QTextDocument>

namespace flowlab {

namespace {

// Evidence lines shown per role before "and N more": enough to see the pattern, few enough
// to keep the text readable on a projector.
constexpr int kLinesPerRole = 3;

QString escaped(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString colour(const QColor &c)
{
    return c.name(QColor::HexRgb);
}

QColor statusColour(const WalkthroughStep &step)
{
    const Theme &theme = currentTheme();
    switch (step.state) {
    case StepState::Observed:
        return theme.observed;
    case StepState::Missing:
        return theme.missing;
    case StepState::Synthetic:
        return theme.synthetic;
    case StepState::SeenSoFar:
        // The amber is made for fills; as text it needs the darker shade to be read.
        return theme.scheme == Theme::Scheme::Light ? theme.provisional.darker(170)
                                                    : theme.provisional;
    case StepState::Waiting:
    case StepState::Explained:
        break;
    }
    return theme.mutedText;
}

QString eventLink(const Event &event, std::int64_t originNs)
{
    return QStringLiteral("<a href=\"%1:%2\">%3</a> <span style=\"color:%4\">· %5 s</span>")
        .arg(QString::fromUtf8(kEventLinkScheme))
        .arg(event.seq)
        .arg(escaped(event.summary), colour(currentTheme().mutedText))
        .arg(static_cast<double>(event.monotonicNs - originNs) / 1e9, 0, 'f', 3);
}

// Air between paragraphs and around headings: the importers leave blocks flush.
void spaceBlocks(QTextDocument *document)
{
    const qreal gap = currentTheme().basePointSize * 0.7;
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        QTextBlockFormat format = block.blockFormat();
        format.setLineHeight(125, QTextBlockFormat::ProportionalHeight);
        if (block.textList()) {
            format.setBottomMargin(gap * 0.3);
        } else if (format.headingLevel() > 0) {
            format.setTopMargin(block == document->begin() ? 0 : gap * 1.2);
            format.setBottomMargin(gap * 0.6);
        } else {
            format.setBottomMargin(gap);
        }
        QTextCursor(block).setBlockFormat(format);
    }
}

// Starts a fresh paragraph with plain formats, so that a heading's size does not leak into
// what follows it.
void newBlock(QTextCursor &cursor)
{
    cursor.insertBlock(QTextBlockFormat(), QTextCharFormat());
}

QString evidenceListHtml(const StepEvidenceSet &evidence, std::int64_t originNs)
{
    QString html = QStringLiteral("<ul>");
    std::size_t i = 0;
    while (i < evidence.all.size()) {
        const std::string &role = evidence.all[i].role;
        std::size_t end = i;
        while (end < evidence.all.size() && evidence.all[end].role == role)
            ++end;
        for (std::size_t j = i; j < end && j < i + kLinesPerRole; ++j) {
            html += QStringLiteral("<li>");
            if (!role.empty())
                html += QStringLiteral("<i>%1</i>: ").arg(escaped(role));
            html += eventLink(*evidence.all[j].event, originNs) + QStringLiteral("</li>");
        }
        if (end - i > kLinesPerRole)
            html += QStringLiteral("<li><i>%1</i>: and %2 more (Raw tab)</li>")
                        .arg(escaped(role))
                        .arg(end - i - kLinesPerRole);
        i = end;
    }
    return html + QStringLiteral("</ul>");
}

QString listHtml(const std::vector<std::string> &lines)
{
    QString html = QStringLiteral("<ul>");
    for (const std::string &line : lines)
        html += QStringLiteral("<li>%1</li>").arg(escaped(line));
    return html + QStringLiteral("</ul>");
}

} // namespace

QString stepStatusText(const WalkthroughStep &step)
{
    switch (step.state) {
    case StepState::Observed:
        return QStringLiteral("observed");
    case StepState::SeenSoFar:
        return QStringLiteral("seen so far: its action is still running");
    case StepState::Waiting:
        return QStringLiteral("waiting for evidence");
    case StepState::Missing:
        return QStringLiteral("not observed");
    case StepState::Synthetic:
        return QStringLiteral("SYNTHETIC: matched made-up events, nothing was captured");
    case StepState::Explained:
        break;
    }
    return step.result ? QStringLiteral("explained, not run")
                       : QStringLiteral("no result in this trace");
}

QString stepHeaderHtml(const Walkthrough &walkthrough, int index)
{
    const Theme &theme = currentTheme();
    const WalkthroughStep &step = walkthrough.step(index);
    return QStringLiteral("<span style=\"color:%1\">Step %2 of %3</span>&nbsp;&nbsp;"
                          "<b>%4</b>&nbsp;&nbsp;<span style=\"color:%5\">● %6</span>")
        .arg(colour(theme.mutedText))
        .arg(index + 1)
        .arg(walkthrough.stepCount())
        .arg(escaped(step.lessonStep->title), colour(statusColour(step)), stepStatusText(step));
}

void renderStepExplanation(QTextDocument *document, const Walkthrough &walkthrough, int index,
                           const StepEvidenceSet &evidence)
{
    const Theme &theme = currentTheme();
    const WalkthroughStep &step = walkthrough.step(index);
    const LessonStep &lessonStep = *step.lessonStep;

    document->clear();
    document->setDefaultFont(theme.font(1.05));
    QTextCursor cursor(document);
    cursor.insertHtml(QStringLiteral("<h2>%1</h2>").arg(escaped(lessonStep.title)));

    newBlock(cursor);
    QString status = QStringLiteral("<span style=\"color:%1\"><b>● %2</b></span>")
                         .arg(colour(statusColour(step)), stepStatusText(step));
    if (step.matched() && !step.result->keyEvidence.empty())
        status += QStringLiteral(" — <code>%1</code>").arg(escaped(step.result->keyEvidence));
    else if (!step.matched() && !walkthrough.lesson().explainOnly.empty())
        status += QStringLiteral(" — %1").arg(escaped(walkthrough.lesson().explainOnly));
    cursor.insertHtml(status);

    newBlock(cursor);
    cursor.insertMarkdown(QString::fromStdString(lessonStep.explanation));

    newBlock(cursor);
    if (step.state == StepState::Missing) {
        QString html = QStringLiteral("<h3 style=\"color:%1\">Not observed</h3>"
                                      "<p>The run recorded nothing that proves this step. "
                                      "Not seen:</p>")
                           .arg(colour(theme.missing));
        html += step.result->missing.empty()
                    ? QStringLiteral("<ul><li>(the trace does not say)</li></ul>")
                    : listHtml(step.result->missing);
        html += QStringLiteral("<p>Last related evidence:</p>");
        html += step.result->lastRelated.empty()
                    ? QStringLiteral("<ul><li>none: nothing related was recorded</li></ul>")
                    : listHtml(step.result->lastRelated);
        cursor.insertHtml(html);
        if (!evidence.empty()) {
            newBlock(cursor);
            cursor.insertHtml(QStringLiteral("<h3>Partial evidence</h3>") +
                              evidenceListHtml(evidence, walkthrough.firstNs()));
        }
    } else if (!evidence.empty()) {
        const QString heading = step.state == StepState::Synthetic
                                    ? QStringLiteral("Synthetic events (made up, not captured)")
                                : step.state == StepState::SeenSoFar
                                    ? QStringLiteral("Evidence so far")
                                    : QStringLiteral("Evidence");
        cursor.insertHtml(QStringLiteral("<h3>%1</h3>").arg(heading) +
                          evidenceListHtml(evidence, walkthrough.firstNs()));
    } else if (!step.result) {
        cursor.insertHtml(QStringLiteral("<p style=\"color:%1\">This trace has no result for "
                                         "this step.</p>")
                              .arg(colour(theme.mutedText)));
    }
    spaceBlocks(document);
}

} // namespace flowlab
