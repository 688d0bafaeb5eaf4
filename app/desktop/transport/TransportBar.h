#pragma once

// The step controls under the diagram: first, previous, play/pause, next, last, "Step n of N"
// (always visible), a list to jump to any step with its status, the speed, and the quiz.
// The keys (Space, ←/→, Home/End, PageUp/PageDown for presenter clickers) belong to the
// window; this bar mirrors the player's state.

#include <QWidget>

class QComboBox;
class QLabel;
class QToolButton;

namespace flowlab {

class StepPlayer;
class Walkthrough;

class TransportBar : public QWidget
{
    Q_OBJECT
public:
    explicit TransportBar(StepPlayer *player, QWidget *parent = nullptr);

    void setWalkthrough(const Walkthrough *walkthrough);
    QString stepText() const; // "Step 3 of 10"

signals:
    void quizRequested();

private:
    void showStep(int index);
    void showPlaying(bool playing);
    void applyTheme();

    StepPlayer *m_player;
    const Walkthrough *m_walkthrough = nullptr;
    QToolButton *m_first, *m_previous, *m_play, *m_next, *m_last, *m_quiz;
    QLabel *m_stepLabel;
    QComboBox *m_jump;
    QComboBox *m_speed;
};

} // namespace flowlab
