#include "app/desktop/export/DiagramExport.h"

#include "app/desktop/diagram/FlowScene.h"
#include "app/desktop/model/Walkthrough.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSvgGenerator>
#include <QTextDocument>
#include <fstream>

namespace flowlab {

namespace {

void render(FlowScene &scene, QPainter &painter, const QRectF &target)
{
    // An export shows where the step ends, not a frame in the middle of its animation.
    scene.finishAnimation();
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    scene.render(&painter, target, scene.sceneRect());
}

QString escaped(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString markdownToHtmlBody(const std::string &markdown)
{
    QTextDocument document;
    document.setMarkdown(QString::fromStdString(markdown));
    QString html = document.toHtml();
    // Keep the body only; the deck has its own page and styles.
    const int start = html.indexOf("<body");
    const int open = html.indexOf('>', start);
    const int end = html.lastIndexOf("</body>");
    return start >= 0 && end > open ? html.mid(open + 1, end - open - 1) : html;
}

Status copyFile(const QString &from, const QString &to)
{
    if (!QFile::exists(from))
        return Error(from.toStdString() + ": not found");
    QFile::remove(to);
    if (!QFile::copy(from, to))
        return Error("copying " + from.toStdString() + " to " + to.toStdString() +
                     ": cannot write there");
    return success();
}

} // namespace

Status exportDiagramPng(FlowScene &scene, const QString &path, double scale)
{
    const QRectF bounds = scene.sceneRect();
    if (bounds.isEmpty())
        return Error("nothing to export: no lesson is open");
    QImage image((bounds.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.fill(scene.backgroundBrush().color());
    QPainter painter(&image);
    render(scene, painter, QRectF(QPointF(0, 0), image.size()));
    painter.end();
    if (!image.save(path, "PNG"))
        return Error("writing " + path.toStdString() + ": cannot save a PNG there");
    return success();
}

Status exportDiagramSvg(FlowScene &scene, const QString &path)
{
    const QRectF bounds = scene.sceneRect();
    if (bounds.isEmpty())
        return Error("nothing to export: no lesson is open");
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(bounds.size().toSize());
    svg.setViewBox(QRectF(QPointF(0, 0), bounds.size()));
    svg.setTitle(QStringLiteral("Flowlab diagram"));
    QPainter painter;
    if (!painter.begin(&svg))
        return Error("writing " + path.toStdString() + ": cannot create an SVG there");
    painter.fillRect(QRectF(QPointF(0, 0), bounds.size()), scene.backgroundBrush());
    render(scene, painter, QRectF(QPointF(0, 0), bounds.size()));
    painter.end();
    if (!QFile::exists(path) || QFileInfo(path).size() == 0)
        return Error("writing " + path.toStdString() + ": nothing was written");
    return success();
}

Result<int> exportSlides(const Walkthrough &walkthrough, const QString &dir,
                         const ProgressFn &progress)
{
    if (!QDir().mkpath(dir))
        return Error("creating " + dir.toStdString() + ": cannot create the directory");
    FlowScene scene;
    scene.setWalkthrough(&walkthrough);
    const Lesson &lesson = walkthrough.lesson();
    QString html;
    html += "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + escaped(lesson.title) +
            "</title>\n<style>\n"
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#1d2330}\n"
            "section{page-break-after:always;margin-bottom:3em}\n"
            "img{width:100%;border:1px solid #ccd}\n"
            ".observed{color:#1a7f37}.missing{color:#cf222e}.explained{color:#5d6675}\n"
            ".provisional{color:#8a6100}.synthetic{color:#8250df}\n"
            "code,pre{font-family:monospace}\n</style></head><body>\n";
    html += "<h1>" + escaped(lesson.title) + "</h1>\n" + markdownToHtmlBody(lesson.summary);
    switch (walkthrough.origin()) {
    case TraceOrigin::Recording:
    case TraceOrigin::Live:
        html += QStringLiteral("<p><em>From %1: %2 of %3 steps observed.</em></p>\n")
                    .arg(walkthrough.isRecording() ? "a recording made by Flowlab" : "a live run")
                    .arg(walkthrough.observedCount())
                    .arg(walkthrough.stepCount());
        break;
    case TraceOrigin::Synthetic:
        html += QStringLiteral("<p class=\"synthetic\"><strong>SYNTHETIC</strong>: these "
                               "slides show made-up events; nothing in them was captured by a "
                               "run, so no step is shown as observed.</p>\n");
        break;
    case TraceOrigin::ExplainOnly:
        html += "<p><em>Explain-only: nothing was run, so no step was observed.</em></p>\n";
        break;
    }
    for (int i = 0; i < walkthrough.stepCount(); ++i) {
        const WalkthroughStep &step = walkthrough.step(i);
        const QString name = QStringLiteral("step-%1").arg(i + 1, 2, 10, QChar('0'));
        if (progress)
            progress("slide " + std::to_string(i + 1) + "/" +
                     std::to_string(walkthrough.stepCount()) + ": " + step.lessonStep->title);
        scene.showStep(i, false);
        if (auto s = exportDiagramPng(scene, dir + "/" + name + ".png"); !s)
            return s.error();
        if (auto s = exportDiagramSvg(scene, dir + "/" + name + ".svg"); !s)
            return s.error();
        QString status = "explained", statusText = "explained, not run";
        switch (step.state) {
        case StepState::Observed:
            status = "observed", statusText = "observed: " + escaped(step.result->keyEvidence);
            break;
        case StepState::SeenSoFar:
            status = "provisional",
            statusText = "seen so far (run in progress): " + escaped(step.result->keyEvidence);
            break;
        case StepState::Synthetic:
            status = "synthetic",
            statusText = "SYNTHETIC, not captured: " + escaped(step.result->keyEvidence);
            break;
        case StepState::Missing:
            status = "missing", statusText = "not observed";
            break;
        case StepState::Waiting:
            status = "explained", statusText = "waiting for evidence";
            break;
        case StepState::Explained:
            break;
        }
        html +=
            QStringLiteral("<section id=\"%1\"><h2>%2. %3</h2>\n<img src=\"%1.png\" alt=\"%3\">\n"
                           "<p class=\"%4\"><code>%5</code></p>\n%6</section>\n")
                .arg(name)
                .arg(i + 1)
                .arg(escaped(step.lessonStep->title), status, statusText,
                     markdownToHtmlBody(step.lessonStep->explanation));
    }
    html += "</body></html>\n";
    QFile index(dir + "/index.html");
    if (!index.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error("writing " + index.fileName().toStdString() + ": " +
                     index.errorString().toStdString());
    index.write(html.toUtf8());
    return walkthrough.stepCount();
}

Status saveBundle(const Walkthrough &walkthrough, const QString &dir)
{
    if (auto s = walkthrough.bundle().writeDirectory(dir.toStdString()); !s)
        return s;
    const QString capture = QString::fromStdString(walkthrough.bundleDir()) + "/capture.pcapng";
    if (!walkthrough.bundleDir().empty() && QFile::exists(capture))
        return copyFile(capture, dir + "/capture.pcapng");
    return success();
}

Status exportPcapng(const Walkthrough &walkthrough, const QString &path)
{
    const QString capture = QString::fromStdString(walkthrough.bundleDir()) + "/capture.pcapng";
    if (walkthrough.bundleDir().empty() || !QFile::exists(capture))
        return Error("this bundle has no packet capture (capture.pcapng) to export");
    return copyFile(capture, path);
}

Status exportTraceEvents(const Walkthrough &walkthrough, const QString &path)
{
    std::ofstream out(path.toStdString(), std::ios::trunc);
    if (!out)
        return Error::fromErrno("writing " + path.toStdString());
    out << toTraceEvents(walkthrough.bundle()).dump() << '\n';
    if (!out)
        return Error::fromErrno("writing " + path.toStdString());
    return success();
}

} // namespace flowlab
