#include "app/desktop/diagram/FlowDiagramView.h"

#include "app/desktop/diagram/FlowScene.h"

namespace flowlab {

FlowDiagramView::FlowDiagramView(FlowScene *scene, QWidget *parent)
    : QGraphicsView(scene, parent)
    , m_scene(scene)
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                   QPainter::SmoothPixmapTransform);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    // The token moves across much of the scene; repainting what changed keeps it smooth.
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setFocusPolicy(Qt::NoFocus); // the window's step keys must not scroll the view
    connect(scene, &QGraphicsScene::sceneRectChanged, this, [this] { fit(); });
}

void FlowDiagramView::fit()
{
    if (!m_scene->sceneRect().isEmpty())
        fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
}

void FlowDiagramView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    fit();
}

void FlowDiagramView::showEvent(QShowEvent *event)
{
    QGraphicsView::showEvent(event);
    fit();
}

} // namespace flowlab
