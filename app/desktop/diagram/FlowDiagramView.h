#pragma once

// Shows a FlowScene scaled to fit, at any window size: the diagram is drawn in scene units,
// so it reads the same on a laptop and on a projector.

#include <QGraphicsView>

namespace flowlab {

class FlowScene;

class FlowDiagramView : public QGraphicsView
{
    Q_OBJECT
public:
    explicit FlowDiagramView(FlowScene *scene, QWidget *parent = nullptr);
    FlowScene *flowScene() const { return m_scene; }
    void fit();

protected:
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    FlowScene *m_scene;
};

} // namespace flowlab
