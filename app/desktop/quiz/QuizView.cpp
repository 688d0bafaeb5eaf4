#include "app/desktop/quiz/QuizView.h"

#include "app/desktop/theme/Theme.h"

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace flowlab {

namespace {

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

// Lesson text is short Markdown: keep `code`, escape the rest.
QString inlineHtml(const std::string &text)
{
    QString html = qs(text).toHtmlEscaped();
    static const QRegularExpression code(QStringLiteral("`([^`]+)`"));
    html.replace(code, QStringLiteral("<code>\\1</code>"));
    return html;
}

// `tint` laid over `base` at `amount` (0–1): soft backgrounds that keep text readable in
// both schemes.
QColor blend(const QColor &base, const QColor &tint, double amount)
{
    return QColor::fromRgbF(base.redF() + (tint.redF() - base.redF()) * amount,
                            base.greenF() + (tint.greenF() - base.greenF()) * amount,
                            base.blueF() + (tint.blueF() - base.blueF()) * amount);
}

} // namespace

QuizView::QuizView(QWidget *parent)
    : QWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);

    m_title = new QLabel(this);
    m_title->setObjectName("quizTitle");
    m_title->setWordWrap(true);
    m_progress = new QLabel(this);
    m_progress->setObjectName("quizProgress");

    // The question page.
    m_questionPage = new QWidget(this);
    m_question = new QLabel(m_questionPage);
    m_question->setObjectName("quizQuestion");
    m_question->setWordWrap(true);
    m_question->setTextFormat(Qt::RichText);
    m_choiceGroup = new QButtonGroup(this);
    m_choiceGroup->setExclusive(true);
    m_feedback = new QLabel(m_questionPage);
    m_feedback->setObjectName("quizFeedback");
    m_feedback->setWordWrap(true);
    m_feedback->setTextFormat(Qt::RichText);
    m_feedback->setMinimumHeight(1);
    m_keyHint = new QLabel(m_questionPage);
    m_keyHint->setObjectName("quizKeyHint");
    m_check = new QPushButton("Check", m_questionPage);
    m_check->setObjectName("checkButton");
    m_next = new QPushButton(m_questionPage);
    m_next->setObjectName("nextButton");

    auto *questionLayout = new QVBoxLayout(m_questionPage);
    questionLayout->setContentsMargins(0, 0, 0, 0);
    questionLayout->addWidget(m_question);
    questionLayout->addSpacing(12);
    m_choicesLayout = new QVBoxLayout;
    m_choicesLayout->setSpacing(10);
    questionLayout->addLayout(m_choicesLayout);
    questionLayout->addSpacing(12);
    questionLayout->addWidget(m_feedback);
    questionLayout->addStretch(1);
    auto *questionButtons = new QHBoxLayout;
    questionButtons->addWidget(m_keyHint, 1);
    questionButtons->addWidget(m_check);
    questionButtons->addWidget(m_next);
    questionLayout->addLayout(questionButtons);

    // The score page.
    m_scorePage = new QWidget(this);
    m_score = new QLabel(m_scorePage);
    m_score->setObjectName("quizScore");
    m_score->setAlignment(Qt::AlignCenter);
    m_verdict = new QLabel(m_scorePage);
    m_verdict->setObjectName("quizVerdict");
    m_verdict->setAlignment(Qt::AlignCenter);
    m_verdict->setWordWrap(true);
    m_review = new QLabel(m_scorePage);
    m_review->setObjectName("quizReview");
    m_review->setWordWrap(true);
    m_review->setTextFormat(Qt::RichText);
    m_tryAgain = new QPushButton("Try again", m_scorePage);
    m_tryAgain->setObjectName("tryAgainButton");
    auto *scoreLayout = new QVBoxLayout(m_scorePage);
    scoreLayout->setContentsMargins(0, 0, 0, 0);
    scoreLayout->addWidget(m_score);
    scoreLayout->addWidget(m_verdict);
    scoreLayout->addSpacing(16);
    scoreLayout->addWidget(m_review);
    scoreLayout->addStretch(1);
    auto *scoreButtons = new QHBoxLayout;
    scoreButtons->addStretch(1);
    scoreButtons->addWidget(m_tryAgain);
    scoreLayout->addLayout(scoreButtons);

    m_emptyPage = new QWidget(this);
    m_empty = new QLabel("This lesson has no quiz.", m_emptyPage);
    m_empty->setObjectName("quizEmpty");
    m_empty->setAlignment(Qt::AlignCenter);
    auto *emptyLayout = new QVBoxLayout(m_emptyPage);
    emptyLayout->addWidget(m_empty);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_questionPage);
    m_pages->addWidget(m_scorePage);
    m_pages->addWidget(m_emptyPage);
    m_pages->setCurrentWidget(m_emptyPage);

    auto *header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_progress, 0, Qt::AlignRight | Qt::AlignTop);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(32, 24, 32, 24);
    layout->addLayout(header);
    layout->addSpacing(16);
    layout->addWidget(m_pages, 1);

    // Buttons, like the radio buttons, use the arrow keys to move focus and would swallow →.
    m_check->installEventFilter(this);
    m_next->installEventFilter(this);

    connect(m_check, &QPushButton::clicked, this, &QuizView::check);
    connect(m_next, &QPushButton::clicked, this, &QuizView::next);
    connect(m_tryAgain, &QPushButton::clicked, this, &QuizView::restart);
    connect(m_choiceGroup, &QButtonGroup::idToggled, this, [this](int, bool on) {
        if (on && !m_checked)
            m_feedback->clear(); // a "pick an answer first" hint no longer applies
    });
    connect(&ThemeManager::instance(), &ThemeManager::themeChanged, this, &QuizView::applyTheme);
    applyTheme();
}

void QuizView::setQuiz(const std::vector<QuizQuestion> &questions, QString lessonTitle)
{
    m_questions = questions;
    m_lessonTitle = std::move(lessonTitle);
    m_title->setText(m_lessonTitle.isEmpty() ? QString("Quiz") : "Quiz: " + m_lessonTitle);
    restart();
}

void QuizView::restart()
{
    m_answers.assign(m_questions.size(), -1);
    m_current = 0;
    if (m_questions.empty()) {
        m_progress->clear();
        m_pages->setCurrentWidget(m_emptyPage);
        return;
    }
    showQuestion();
}

int QuizView::correctCount() const
{
    int correct = 0;
    for (std::size_t i = 0; i < m_answers.size(); ++i)
        correct += m_answers[i] == m_questions[i].answer;
    return correct;
}

int QuizView::selectedChoice() const
{
    return m_choiceGroup->checkedId();
}

void QuizView::showQuestion()
{
    const QuizQuestion &question = m_questions.at(m_current);
    m_checked = false;
    m_progress->setText(QString("Question %1 of %2").arg(m_current + 1).arg(questionCount()));
    m_question->setText(inlineHtml(question.question));

    for (QRadioButton *choice : m_choices) {
        m_choiceGroup->removeButton(choice);
        delete choice;
    }
    m_choices.clear();
    for (std::size_t i = 0; i < question.choices.size(); ++i) {
        // The number is the key that picks it (1–9).
        auto *choice = new QRadioButton(choiceLabel(int(i)), m_questionPage);
        choice->setObjectName(QString("choice%1").arg(i + 1));
        choice->installEventFilter(this);
        m_choiceGroup->addButton(choice, int(i));
        m_choicesLayout->addWidget(choice);
        choice->show(); // now, not when the layout gets round to it: focus and grab need it
        m_choices.push_back(choice);
    }
    m_feedback->clear();
    const int keys = std::min<int>(int(question.choices.size()), 9);
    m_keyHint->setText(QString("Keys: 1–%1 choose · Enter checks · → next").arg(keys));
    m_check->show();
    m_next->hide();
    m_next->setText(m_current + 1 < questionCount() ? "Next question →" : "See the score →");
    styleChoices();
    m_pages->setCurrentWidget(m_questionPage);
    if (!m_choices.empty())
        m_choices.front()->setFocus(Qt::OtherFocusReason);
}

void QuizView::selectChoice(int index)
{
    if (m_checked || showingScore() || index < 0 || index >= int(m_choices.size()))
        return;
    m_choices[index]->setChecked(true);
    m_choices[index]->setFocus(Qt::OtherFocusReason);
}

void QuizView::check()
{
    if (m_checked || showingScore() || m_questions.empty())
        return;
    const Theme &theme = currentTheme();
    if (selectedChoice() < 0) {
        m_feedback->setText(
            QString("<span style='color:%1'>Pick an answer first: press 1–%2 or click one.</span>")
                .arg(theme.mutedText.name())
                .arg(std::min<int>(int(m_choices.size()), 9)));
        return;
    }
    m_answers[m_current] = selectedChoice();
    m_checked = true;
    showFeedback();
    m_check->hide();
    m_next->show();
    m_next->setFocus(Qt::OtherFocusReason);
}

void QuizView::showFeedback()
{
    const Theme &theme = currentTheme();
    const QuizQuestion &question = m_questions.at(m_current);
    const bool right = m_answers[m_current] == question.answer;
    QString html;
    if (right)
        html = QString("<p><b style='color:%1'>✓ Correct.</b></p>").arg(theme.observed.name());
    else
        html = QString("<p><b style='color:%1'>✗ Not quite.</b> The answer is <b>%2</b>.</p>")
                   .arg(theme.missing.name(), inlineHtml(question.choices.at(question.answer)));
    if (!question.explanation.empty())
        html += "<p>" + inlineHtml(question.explanation) + "</p>";
    m_feedback->setText(html);
    for (std::size_t i = 0; i < m_choices.size(); ++i) {
        m_choices[i]->setEnabled(false);
        m_choices[i]->setText(choiceLabel(int(i)));
    }
    styleChoices();
}

QString QuizView::choiceLabel(int index) const
{
    const QuizQuestion &question = m_questions.at(m_current);
    // The number is the key that picks it (1–9).
    QString label = index < 9 ? QString::number(index + 1) + "   " : QString();
    label += qs(question.choices.at(index));
    // Marked in words as well as colours, for colour-blind eyes and grey projectors.
    if (m_checked && index == question.answer)
        label +=
            index == m_answers[m_current] ? "     ✓ your answer, right" : "     ✓ right answer";
    else if (m_checked && index == m_answers[m_current])
        label += "     ✗ your answer";
    return label;
}

void QuizView::next()
{
    if (!m_checked || showingScore())
        return;
    ++m_current;
    if (m_current < questionCount())
        showQuestion();
    else {
        showScore();
        m_tryAgain->setFocus(Qt::OtherFocusReason);
        emit finished(correctCount(), questionCount());
    }
}

void QuizView::showScore()
{
    const Theme &theme = currentTheme();
    const int correct = correctCount();
    const int total = questionCount();
    m_progress->setText(QString("%1 questions").arg(total));
    m_score->setText(QString("%1 of %2 right").arg(correct).arg(total));
    if (correct == total)
        m_verdict->setText("Well done: every answer was right.");
    else if (correct * 2 >= total)
        m_verdict->setText("Nearly there. The answers below point at the steps to look at again.");
    else
        m_verdict->setText("Walk through the lesson's steps again, then try once more.");

    QString review = "<table cellspacing='0' cellpadding='5'>";
    for (int i = 0; i < total; ++i) {
        const QuizQuestion &question = m_questions[i];
        const bool right = m_answers[i] == question.answer;
        QString line = "<b>" + inlineHtml(question.question) + "</b><br>";
        if (right)
            line += QString("<span style='color:%1'>%2</span>")
                        .arg(theme.mutedText.name(), inlineHtml(question.choices[question.answer]));
        else
            line += QString("<span style='color:%1'>you answered %2</span> · the answer is "
                            "<b>%3</b>")
                        .arg(theme.missing.name(), inlineHtml(question.choices[m_answers[i]]),
                             inlineHtml(question.choices[question.answer]));
        review += QString("<tr><td style='color:%1; font-weight:bold; padding-right:10px'>%2"
                          "</td><td>%3</td></tr>")
                      .arg((right ? theme.observed : theme.missing).name(),
                           right ? QString("✓") : QString("✗"), line);
    }
    review += "</table>";
    m_review->setText(review);
    m_pages->setCurrentWidget(m_scorePage);
}

void QuizView::styleChoices()
{
    const Theme &theme = currentTheme();
    const QFont font = theme.font(1.35);
    const int indicator = QFontMetrics(font).height() * 3 / 4;
    const QuizQuestion *question = m_current < questionCount() ? &m_questions[m_current] : nullptr;
    for (std::size_t i = 0; i < m_choices.size(); ++i) {
        QColor border = theme.componentBorder;
        QColor fill = theme.componentFill;
        int width = 1;
        if (m_checked && question && int(i) == question->answer) {
            border = theme.observed;
            fill = blend(theme.componentFill, theme.observed, 0.18);
            width = 3;
        } else if (m_checked && int(i) == m_answers[m_current]) {
            border = theme.missing;
            fill = blend(theme.componentFill, theme.missing, 0.18);
            width = 3;
        }
        m_choices[i]->setFont(font);
        // Cards rather than bare radio buttons: a large target that reads from the back row.
        m_choices[i]->setStyleSheet(
            QString("QRadioButton { padding: 12px 16px; spacing: 14px; border: %1px solid %2;"
                    " border-radius: 8px; background-color: %3; color: %4; }"
                    "QRadioButton:checked { border: %5px solid %6; }"
                    "QRadioButton:focus { background-color: %7; }"
                    "QRadioButton::indicator { width: %8px; height: %8px; }")
                .arg(width)
                .arg(border.name(), fill.name(), theme.text.name())
                .arg(std::max(width, 3))
                .arg(m_checked ? border.name() : theme.activeBorder.name(),
                     m_checked ? fill.name() : blend(fill, theme.activeFill, 0.6).name())
                .arg(indicator));
    }
}

void QuizView::applyTheme()
{
    const Theme &theme = currentTheme();
    m_title->setFont(theme.font(1.1, true));
    m_title->setStyleSheet(QString("color: %1").arg(theme.mutedText.name()));
    m_progress->setFont(theme.font(1.1));
    m_progress->setStyleSheet(QString("color: %1").arg(theme.mutedText.name()));
    m_question->setFont(theme.font(1.6, true));
    m_feedback->setFont(theme.font(1.2));
    m_keyHint->setFont(theme.font(0.9));
    m_keyHint->setStyleSheet(QString("color: %1").arg(theme.mutedText.name()));
    for (QPushButton *button : {m_check, m_next, m_tryAgain}) {
        button->setFont(theme.font(1.2, true));
        button->setMinimumHeight(QFontMetrics(button->font()).height() * 2);
        button->setMinimumWidth(QFontMetrics(button->font()).horizontalAdvance("Check") * 3);
        // The one thing to do next, in the accent colour; focus shows as a ring of text colour
        // (the border is always there so that focus does not change the size).
        button->setStyleSheet(
            QString("QPushButton { background-color: %1; color: %4; border: 2px solid %1;"
                    " border-radius: 6px; padding: 4px 18px; outline: none; }"
                    "QPushButton:focus { border-color: %2; }"
                    "QPushButton:pressed { background-color: %3; }")
                .arg(theme.activeBorder.name(), theme.text.name(),
                     blend(theme.activeBorder, theme.text, 0.4).name(),
                     theme.scheme == Theme::Scheme::Dark ? theme.background.name() : "#ffffff"));
    }
    m_score->setFont(theme.font(3.0, true));
    m_verdict->setFont(theme.font(1.4));
    m_review->setFont(theme.font(1.15));
    m_empty->setFont(theme.font(1.4));
    m_empty->setStyleSheet(QString("color: %1").arg(theme.mutedText.name()));
    styleChoices();
    // Feedback and the review carry theme colours in their HTML.
    if (m_checked && !showingScore())
        showFeedback();
    else if (showingScore())
        showScore();
}

bool QuizView::handleKey(const QKeyEvent *event)
{
    if (m_pages->currentWidget() != m_questionPage)
        return false;
    const int key = event->key();
    if (key >= Qt::Key_1 && key <= Qt::Key_9 && event->modifiers() == Qt::NoModifier) {
        if (m_checked)
            return true; // the answer is given; a stray digit changes nothing
        selectChoice(key - Qt::Key_1);
        return true;
    }
    if (key == Qt::Key_Return || key == Qt::Key_Enter) {
        if (m_checked)
            next();
        else
            check();
        return true;
    }
    if (key == Qt::Key_Right && m_checked) {
        next();
        return true;
    }
    return false;
}

void QuizView::keyPressEvent(QKeyEvent *event)
{
    if (!handleKey(event))
        QWidget::keyPressEvent(event);
}

bool QuizView::eventFilter(QObject *watched, QEvent *event)
{
    // The choices and the buttons: they use the arrow keys to move focus, and would swallow →.
    if (event->type() == QEvent::KeyPress && handleKey(static_cast<QKeyEvent *>(event)))
        return true;
    return QWidget::eventFilter(watched, event);
}

} // namespace flowlab
