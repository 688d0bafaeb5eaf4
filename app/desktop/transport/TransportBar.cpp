#include "app/desktop/transport/TransportBar.h"

#include "app/desktop/model/Walkthrough.h"
#include "app/desktop/theme/Theme.h"
#include "app/desktop/transport/StepPlayer.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QStyle>
#include <QToolButton>

namespace flowlab {

namespace {

QToolButton *transportButton(QWidget *parent, QStyle::StandardPixmap icon, const QString &tip,
                             const QString &name)
{
    auto *button = new QToolButton(parent);
    button->setIcon(parent->style()->standardIcon(icon));
    button->setToolTip(tip);
    button->setObjectName(name);
    button->setAutoRaise(true);
    // Buttons take no focus: the arrow keys and Space always step, whatever was clicked last.
    button->setFocusPolicy(Qt::NoFocus);
    return button;
}

QString statusMark(const WalkthroughStep &step)
{
    switch (step.state) {
    case StepState::Observed:
        return QStringLiteral("✓");
    case StepState::SeenSoFar:
        return QStringLiteral("…");
    case StepState::Waiting:
        return QStringLiteral("○");
    case StepState::Missing:
        return QStringLiteral("✗");
    case StepState::Synthetic:
        return QStringLiteral("◇ synthetic");
    case StepState::Explained:
        break;
    }
    return QStringLiteral("·");
}

} // namespace

TransportBar::TransportBar(StepPlayer *player, QWidget *parent)
    : QWidget(parent)
    , m_player(player)
{
    setObjectName("transportBar");
    m_first =
        transportButton(this, QStyle::SP_MediaSkipBackward, tr("First step (Home)"), "firstButton");
    m_previous = transportButton(this, QStyle::SP_MediaSeekBackward, tr("Previous step (←)"),
                                 "previousButton");
    m_play = transportButton(this, QStyle::SP_MediaPlay, tr("Play / pause (Space)"), "playButton");
    m_next = transportButton(this, QStyle::SP_MediaSeekForward, tr("Next step (→)"), "nextButton");
    m_last =
        transportButton(this, QStyle::SP_MediaSkipForward, tr("Last step (End)"), "lastButton");
    m_stepLabel = new QLabel(this);
    m_stepLabel->setObjectName("stepLabel");
    m_jump = new QComboBox(this);
    m_jump->setObjectName("stepJump");
    m_jump->setToolTip(tr("Jump to a step (Ctrl+G)"));
    m_jump->setFocusPolicy(Qt::ClickFocus);
    m_jump->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    // Short enough that the bar never forces the diagram's column wider than the window
    // can spare beside a presenter-size inspector; the list itself shows whole titles.
    m_jump->setMinimumContentsLength(18);
    m_speed = new QComboBox(this);
    m_speed->setObjectName("speed");
    m_speed->setToolTip(tr("Animation and playing speed"));
    m_speed->setFocusPolicy(Qt::ClickFocus);
    for (double factor : {0.5, 1.0, 1.5, 2.0, 4.0})
        m_speed->addItem(QStringLiteral("%1×").arg(factor), factor);
    m_speed->setCurrentIndex(1);
    m_quiz = new QToolButton(this);
    m_quiz->setObjectName("quizButton");
    m_quiz->setText(tr("Quiz"));
    m_quiz->setToolTip(tr("Questions on this lesson (Q)"));
    m_quiz->setFocusPolicy(Qt::NoFocus);

    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(12, 6, 12, 6);
    row->setSpacing(6);
    for (QWidget *w : {static_cast<QWidget *>(m_first), static_cast<QWidget *>(m_previous),
                       static_cast<QWidget *>(m_play), static_cast<QWidget *>(m_next),
                       static_cast<QWidget *>(m_last)})
        row->addWidget(w);
    row->addSpacing(16);
    row->addWidget(m_stepLabel);
    row->addSpacing(16);
    row->addWidget(m_jump, 1);
    row->addSpacing(12);
    row->addWidget(new QLabel(tr("Speed"), this));
    row->addWidget(m_speed);
    row->addWidget(m_quiz);

    connect(m_first, &QToolButton::clicked, player, &StepPlayer::first);
    connect(m_previous, &QToolButton::clicked, player, &StepPlayer::previous);
    connect(m_play, &QToolButton::clicked, player, &StepPlayer::togglePlay);
    connect(m_next, &QToolButton::clicked, player, &StepPlayer::next);
    connect(m_last, &QToolButton::clicked, player, &StepPlayer::last);
    connect(m_quiz, &QToolButton::clicked, this, &TransportBar::quizRequested);
    connect(m_jump, &QComboBox::activated, player, &StepPlayer::jumpTo);
    connect(m_speed, &QComboBox::activated, this,
            [this](int index) { m_player->setSpeed(m_speed->itemData(index).toDouble()); });
    connect(player, &StepPlayer::stepChanged, this, [this](int index) { showStep(index); });
    connect(player, &StepPlayer::playingChanged, this, &TransportBar::showPlaying);
    connect(&ThemeManager::instance(), &ThemeManager::themeChanged, this,
            &TransportBar::applyTheme);
    applyTheme();
    setWalkthrough(nullptr);
}

void TransportBar::setWalkthrough(const Walkthrough *walkthrough)
{
    m_walkthrough = walkthrough;
    const QSignalBlocker blocker(m_jump);
    m_jump->clear();
    if (walkthrough) {
        for (int i = 0; i < walkthrough->stepCount(); ++i) {
            const WalkthroughStep &step = walkthrough->step(i);
            m_jump->addItem(QStringLiteral("%1  %2  %3")
                                .arg(i + 1)
                                .arg(statusMark(step))
                                .arg(QString::fromStdString(step.lessonStep->title)));
        }
    }
    const bool any = walkthrough && walkthrough->stepCount() > 0;
    for (QWidget *w : {static_cast<QWidget *>(m_first), static_cast<QWidget *>(m_previous),
                       static_cast<QWidget *>(m_play), static_cast<QWidget *>(m_next),
                       static_cast<QWidget *>(m_last), static_cast<QWidget *>(m_jump)})
        w->setEnabled(any);
    m_quiz->setEnabled(walkthrough && !walkthrough->lesson().quiz.empty());
    showStep(m_player->currentStep());
}

QString TransportBar::stepText() const
{
    return m_stepLabel->text();
}

void TransportBar::showStep(int index)
{
    const int total = m_walkthrough ? m_walkthrough->stepCount() : 0;
    m_stepLabel->setText(total > 0 && index >= 0 ? tr("Step %1 of %2").arg(index + 1).arg(total)
                                                 : tr("No lesson open"));
    if (index >= 0 && index < m_jump->count()) {
        const QSignalBlocker blocker(m_jump);
        m_jump->setCurrentIndex(index);
    }
    m_previous->setEnabled(total > 0 && index > 0);
    m_first->setEnabled(total > 0 && index > 0);
    m_next->setEnabled(total > 0);
    m_last->setEnabled(total > 0 && index < total - 1);
}

void TransportBar::showPlaying(bool playing)
{
    m_play->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void TransportBar::applyTheme()
{
    const Theme &theme = currentTheme();
    m_stepLabel->setFont(theme.font(1.45, true));
    const int icon = theme.presenter ? 40 : 28;
    for (QToolButton *b : {m_first, m_previous, m_play, m_next, m_last})
        b->setIconSize(QSize(icon, icon));
    m_quiz->setFont(theme.font(1.1, true));
}

} // namespace flowlab
