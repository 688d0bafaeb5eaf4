#pragma once

// Where the walkthrough is and whether it plays: the current step, next/previous/jump, and
// play/pause with a speed. Playing waits for the diagram to finish a step's animation, then
// dwells long enough to read it before moving on. It knows nothing of widgets, so the keys,
// the buttons and the tests all drive the same object.

#include <QObject>
#include <QTimer>

namespace flowlab {

class StepPlayer : public QObject
{
    Q_OBJECT
public:
    explicit StepPlayer(QObject *parent = nullptr);

    void setStepCount(int count); // resets to the first step (or none when 0)
    int stepCount() const { return m_count; }
    int currentStep() const { return m_current; }
    bool isPlaying() const { return m_playing; }
    double speed() const { return m_speed; }
    bool atEnd() const { return m_count > 0 && m_current == m_count - 1; }

    // How long a step stays on screen after its animation while playing, at speed 1.
    static constexpr int kDwellMs = 2600;

public slots:
    void next();
    void previous();
    void first();
    void last();
    void jumpTo(int index);
    void play();
    void pause();
    void togglePlay();
    void setSpeed(double factor);
    // The diagram says the current step's animation is over; playing moves on after a dwell.
    void stepShown();

signals:
    // `animate` is false when jumping (Home/End, the step list) so the class sees the result
    // at once; true when stepping or playing so they see it travel.
    void stepChanged(int index, bool animate);
    void playingChanged(bool playing);
    void reachedEnd();

private:
    void go(int index, bool animate);

    int m_count = 0;
    int m_current = -1;
    bool m_playing = false;
    double m_speed = 1.0;
    QTimer m_dwell;
};

} // namespace flowlab
