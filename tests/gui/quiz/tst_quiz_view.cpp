// The quiz view, offscreen, over the real quiz of lessons/docker-run.json: answered right and
// wrong from the keyboard alone, with feedback that names the right answer and explains it,
// then the score, the finished signal and "Try again".

#include "../GuiTestSupport.h"
#include "app/desktop/quiz/QuizView.h"
#include "app/desktop/theme/Theme.h"
#include "tracer/lesson/LessonLoader.h"

#include <QApplication>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTest>
#include <QTextDocument>

using namespace flowlab;

namespace {

Lesson dockerRun()
{
    auto lesson = loadLesson(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json");
    if (!lesson)
        qFatal("loading docker-run: %s", lesson.error().message().c_str());
    return std::move(lesson).value();
}

// Keys go where the user's would: to the focused widget inside the quiz.
void press(QuizView &view, Qt::Key key)
{
    QWidget *target = QApplication::focusWidget();
    if (!target || (target != &view && !view.isAncestorOf(target)))
        target = &view;
    QTest::keyClick(target, key);
}

Qt::Key digitKey(int choiceIndex)
{
    return Qt::Key(Qt::Key_1 + choiceIndex);
}

QString labelText(const QuizView &view, const char *name)
{
    const auto *label = view.findChild<QLabel *>(name);
    return label ? label->text() : QString("<no label %1>").arg(name);
}

QString plain(const QString &html)
{
    QTextDocument document;
    document.setHtml(html);
    return document.toPlainText();
}

QRadioButton *choice(const QuizView &view, int index)
{
    return view.findChild<QRadioButton *>(QString("choice%1").arg(index + 1));
}

} // namespace

class TestQuizView : public QObject
{
    Q_OBJECT

private slots:
    void init() { ThemeManager::instance().apply(Theme::make(Theme::Scheme::Light, false)); }

    void rightWrongThenScoreFromTheKeyboard()
    {
        const Lesson lesson = dockerRun();
        const std::vector<QuizQuestion> &quiz = lesson.quiz;
        QVERIFY2(quiz.size() >= 2, "docker-run should have a quiz of two questions or more");
        const int total = int(quiz.size());

        QuizView view;
        view.resize(1100, 700);
        view.setQuiz(quiz, QString::fromStdString(lesson.title));
        view.show();
        QApplication::setActiveWindow(&view);
        QVERIFY(QTest::qWaitForWindowActive(&view));
        QSignalSpy finished(&view, &QuizView::finished);

        QCOMPARE(labelText(view, "quizTitle"), "Quiz: " + QString::fromStdString(lesson.title));
        QCOMPARE(labelText(view, "quizProgress"), QString("Question 1 of %1").arg(total));
        QCOMPARE(plain(labelText(view, "quizQuestion")), QString::fromStdString(quiz[0].question));
        test::saveScreenshot(&view, "quiz-question");

        // Question 1, right: the digit picks, Enter checks.
        const int right0 = quiz[0].answer;
        press(view, digitKey(right0));
        QVERIFY(choice(view, right0)->isChecked());
        press(view, Qt::Key_Return);
        QVERIFY(view.isChecked());
        QString feedback = plain(labelText(view, "quizFeedback"));
        QVERIFY2(feedback.startsWith("✓ Correct."), qPrintable(feedback));
        QVERIFY2(feedback.contains(QString::fromStdString(quiz[0].explanation)),
                 qPrintable(feedback));
        QVERIFY(!feedback.contains("Not quite"));
        for (int i = 0; i < int(quiz[0].choices.size()); ++i)
            QVERIFY2(!choice(view, i)->isEnabled(), "choices are locked once checked");
        test::saveScreenshot(&view, "quiz-feedback-right");

        // A digit after checking changes nothing; → goes on.
        press(view, digitKey((right0 + 1) % int(quiz[0].choices.size())));
        QVERIFY(choice(view, right0)->isChecked());
        press(view, Qt::Key_Right);
        QCOMPARE(view.currentQuestion(), 1);
        QCOMPARE(labelText(view, "quizProgress"), QString("Question 2 of %1").arg(total));
        QVERIFY(!view.isChecked());

        // Question 2, wrong: the feedback names the right answer and explains it.
        const int right1 = quiz[1].answer;
        const int wrong1 = (right1 + 1) % int(quiz[1].choices.size());
        press(view, digitKey(wrong1));
        QVERIFY(choice(view, wrong1)->isChecked());
        press(view, Qt::Key_Enter);
        feedback = plain(labelText(view, "quizFeedback"));
        QVERIFY2(feedback.startsWith("✗ Not quite. The answer is " +
                                     QString::fromStdString(quiz[1].choices[right1]) + "."),
                 qPrintable(feedback));
        QVERIFY2(feedback.contains(QString::fromStdString(quiz[1].explanation)),
                 qPrintable(feedback));
        // The right choice and the wrong pick are marked differently from the rest.
        const QString rightStyle = choice(view, right1)->styleSheet();
        const QString wrongStyle = choice(view, wrong1)->styleSheet();
        QVERIFY(rightStyle.contains(currentTheme().observed.name()));
        QVERIFY(wrongStyle.contains(currentTheme().missing.name()));
        // ...and in words, not by colour alone.
        QVERIFY2(choice(view, right1)->text().endsWith("✓ right answer"),
                 qPrintable(choice(view, right1)->text()));
        QVERIFY2(choice(view, wrong1)->text().endsWith("✗ your answer"),
                 qPrintable(choice(view, wrong1)->text()));
        test::saveScreenshot(&view, "quiz-feedback-wrong");

        // The rest right, Enter to check and Enter again to go on.
        press(view, Qt::Key_Return);
        for (int q = 2; q < total; ++q) {
            QCOMPARE(view.currentQuestion(), q);
            press(view, digitKey(quiz[q].answer));
            press(view, Qt::Key_Return);
            QVERIFY(plain(labelText(view, "quizFeedback")).startsWith("✓ Correct."));
            QCOMPARE(finished.size(), 0);
            press(view, Qt::Key_Return);
        }

        QVERIFY(view.showingScore());
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toInt(), total - 1);
        QCOMPARE(finished.at(0).at(1).toInt(), total);
        QCOMPARE(labelText(view, "quizScore"), QString("%1 of %2 right").arg(total - 1).arg(total));
        const QString review = plain(labelText(view, "quizReview"));
        QVERIFY2(review.contains("you answered " + QString::fromStdString(quiz[1].choices[wrong1]) +
                                 " · the answer is " +
                                 QString::fromStdString(quiz[1].choices[right1])),
                 qPrintable(review));
        test::saveScreenshot(&view, "quiz-score");

        // Keys on the score page do not restart or re-score it.
        press(view, Qt::Key_Return);
        press(view, Qt::Key_Right);
        QVERIFY(view.showingScore());
        QCOMPARE(finished.size(), 1);

        // Try again starts over with nothing chosen.
        auto *tryAgain = view.findChild<QPushButton *>("tryAgainButton");
        QVERIFY(tryAgain && tryAgain->isVisible());
        QTest::mouseClick(tryAgain, Qt::LeftButton);
        QCOMPARE(view.currentQuestion(), 0);
        QCOMPARE(labelText(view, "quizProgress"), QString("Question 1 of %1").arg(total));
        QCOMPARE(view.correctCount(), 0);
        for (int i = 0; i < int(quiz[0].choices.size()); ++i) {
            QVERIFY(!choice(view, i)->isChecked());
            QVERIFY(choice(view, i)->isEnabled());
        }
    }

    void enterWithoutAChoiceAsksForOne()
    {
        const Lesson lesson = dockerRun();
        QuizView view;
        view.setQuiz(lesson.quiz, QString::fromStdString(lesson.title));
        view.show();
        QApplication::setActiveWindow(&view);
        QVERIFY(QTest::qWaitForWindowActive(&view));

        press(view, Qt::Key_Return);
        QVERIFY(!view.isChecked());
        const int choices = int(lesson.quiz[0].choices.size());
        QCOMPARE(plain(labelText(view, "quizFeedback")),
                 QString("Pick an answer first: press 1–%1 or click one.").arg(choices));
        // → does not skip an unanswered question; a digit past the last choice picks nothing.
        press(view, Qt::Key_Right);
        QCOMPARE(view.currentQuestion(), 0);
        press(view, Qt::Key_9);
        for (int i = 0; i < choices; ++i)
            QVERIFY(!choice(view, i)->isChecked());
        // Picking one clears the hint.
        press(view, Qt::Key_1);
        QVERIFY(labelText(view, "quizFeedback").isEmpty());
    }

    void aLessonWithoutAQuizSaysSo()
    {
        QuizView view;
        QSignalSpy finished(&view, &QuizView::finished);
        view.setQuiz({}, "Docker on Windows");
        view.show();
        auto *empty = view.findChild<QLabel *>("quizEmpty");
        QVERIFY(empty && empty->isVisible());
        QCOMPARE(empty->text(), QString("This lesson has no quiz."));
        view.check();
        view.next();
        QVERIFY(!view.showingScore());
        QCOMPARE(finished.size(), 0);
    }

    void presenterModeScreenshot()
    {
        ThemeManager::instance().apply(Theme::make(Theme::Scheme::Dark, true));
        const Lesson lesson = dockerRun();
        QuizView view;
        view.resize(1600, 900);
        view.setQuiz(lesson.quiz, QString::fromStdString(lesson.title));
        view.show();
        const int wrong = (lesson.quiz[0].answer + 1) % int(lesson.quiz[0].choices.size());
        view.selectChoice(wrong);
        view.check();
        QVERIFY(choice(view, lesson.quiz[0].answer)
                    ->styleSheet()
                    .contains(currentTheme().observed.name()));
        QVERIFY(choice(view, 0)->font().pointSizeF() > 20); // readable from the back row
        test::saveScreenshot(&view, "quiz-presenter-dark");
    }
};

QTEST_MAIN(TestQuizView)
#include "tst_quiz_view.moc"
