#include "app/desktop/transport/StepPlayer.h"

#include <algorithm>

namespace flowlab {

StepPlayer::StepPlayer(QObject *parent)
    : QObject(parent)
{
    m_dwell.setSingleShot(true);
    connect(&m_dwell, &QTimer::timeout, this, [this] {
        if (!m_playing)
            return;
        if (atEnd()) {
            pause();
            emit reachedEnd();
        } else {
            go(m_current + 1, true);
        }
    });
}

void StepPlayer::setStepCount(int count)
{
    pause();
    m_count = std::max(0, count);
    m_current = -1;
    if (m_count > 0)
        go(0, false);
}

void StepPlayer::go(int index, bool animate)
{
    if (m_count == 0)
        return;
    index = std::clamp(index, 0, m_count - 1);
    m_dwell.stop();
    if (index == m_current && !animate)
        return;
    m_current = index;
    emit stepChanged(m_current, animate);
}

void StepPlayer::next()
{
    if (atEnd()) {
        pause();
        emit reachedEnd();
        return;
    }
    go(m_current + 1, true);
}

void StepPlayer::previous()
{
    go(m_current - 1, m_current > 0);
}

void StepPlayer::first()
{
    go(0, false);
}

void StepPlayer::last()
{
    go(m_count - 1, false);
}

void StepPlayer::jumpTo(int index)
{
    go(index, false);
}

void StepPlayer::play()
{
    if (m_playing || m_count == 0)
        return;
    m_playing = true;
    emit playingChanged(true);
    // Playing from the last step starts again from the first.
    if (atEnd())
        go(0, true);
    else
        go(m_current + 1, true);
}

void StepPlayer::pause()
{
    m_dwell.stop();
    if (!m_playing)
        return;
    m_playing = false;
    emit playingChanged(false);
}

void StepPlayer::togglePlay()
{
    m_playing ? pause() : play();
}

void StepPlayer::setSpeed(double factor)
{
    m_speed = std::clamp(factor, 0.25, 8.0);
}

void StepPlayer::stepShown()
{
    if (m_playing)
        m_dwell.start(static_cast<int>(kDwellMs / m_speed));
}

} // namespace flowlab
