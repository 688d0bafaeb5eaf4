#pragma once

// The quiz at the end of a lesson (the lesson file's "quiz"), one question at a time in large
// type for a projector. Keys: 1–9 choose, Enter checks (then goes on), → goes on once checked.
// Checking marks the right choice, says whether the pick was right and shows the question's
// explanation; after the last question comes the score, with "Try again".

#include "tracer/lesson/Lesson.h"

#include <QWidget>
#include <vector>

class QButtonGroup;
class QLabel;
class QPushButton;
class QRadioButton;
class QStackedWidget;
class QVBoxLayout;

namespace flowlab {

class QuizView : public QWidget
{
    Q_OBJECT
public:
    explicit QuizView(QWidget *parent = nullptr);

    // Starts `questions` from the first one. An empty quiz shows that the lesson has none.
    void setQuiz(const std::vector<QuizQuestion> &questions, QString lessonTitle);

    int questionCount() const { return int(m_questions.size()); }
    // The question shown (0-based); questionCount() once the score is shown.
    int currentQuestion() const { return m_current; }
    bool isChecked() const { return m_checked; }
    bool showingScore() const { return !m_questions.empty() && m_current >= questionCount(); }
    int correctCount() const;

    // What the keys and buttons do, for the main window's actions and for tests.
    void selectChoice(int index);
    void check();
    void next();
    void restart();

signals:
    // The last question was checked and the score is shown.
    void finished(int correct, int total);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    bool handleKey(const QKeyEvent *event);
    void showQuestion();
    void showFeedback();
    void showScore();
    void applyTheme();
    void styleChoices();
    int selectedChoice() const;
    QString choiceLabel(int index) const;

    std::vector<QuizQuestion> m_questions;
    QString m_lessonTitle;
    std::vector<int> m_answers; // the choice picked for each checked question, -1 before
    int m_current = 0;
    bool m_checked = false;

    QLabel *m_title = nullptr;
    QLabel *m_progress = nullptr;
    QStackedWidget *m_pages = nullptr;
    QWidget *m_questionPage = nullptr;
    QLabel *m_question = nullptr;
    QVBoxLayout *m_choicesLayout = nullptr;
    QButtonGroup *m_choiceGroup = nullptr;
    std::vector<QRadioButton *> m_choices;
    QLabel *m_feedback = nullptr;
    QLabel *m_keyHint = nullptr;
    QPushButton *m_check = nullptr;
    QPushButton *m_next = nullptr;
    QWidget *m_scorePage = nullptr;
    QLabel *m_score = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_review = nullptr;
    QPushButton *m_tryAgain = nullptr;
    QWidget *m_emptyPage = nullptr;
    QLabel *m_empty = nullptr;
};

} // namespace flowlab
