#include "app/desktop/library/LessonLibrary.h"

#include "app/desktop/theme/Theme.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTextBrowser>
#include <QTreeView>
#include <QVBoxLayout>
#include <map>

namespace flowlab {

namespace {

const QString kBrokenGroup = QStringLiteral("Could not be loaded");
const QString kNoTopicGroup = QStringLiteral("other");

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

QColor availabilityColor(LessonAvailability availability, const Theme &theme)
{
    switch (availability) {
    case LessonAvailability::RunsHere:
        return theme.observed;
    case LessonAvailability::ExplainOnly:
        return theme.activeBorder;
    case LessonAvailability::NeedsLab:
        return theme.token;
    case LessonAvailability::Broken:
        return theme.missing;
    }
    return theme.text;
}

QIcon dotIcon(const QColor &color)
{
    QPixmap pixmap(32, 32);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(color);
    painter.drawEllipse(QRectF(6, 6, 20, 20));
    QIcon icon(pixmap);
    // On the selection colour: untinted, with a white ring so that a blue dot still shows.
    painter.setPen(QPen(Qt::white, 3));
    painter.drawEllipse(QRectF(6, 6, 20, 20));
    icon.addPixmap(pixmap, QIcon::Selected);
    return icon;
}

// The button for what the user most likely wants next, in the accent colour. The border is
// always drawn so that gaining focus does not change the button's size.
// Text on a filled accent or status colour: white on the light scheme's deep colours, the
// background on the dark scheme's bright ones.
QColor textOnAccent(const Theme &theme)
{
    return theme.scheme == Theme::Scheme::Dark ? theme.background : QColor(Qt::white);
}

QString primaryButtonStyle(const Theme &theme)
{
    return QString("QPushButton:enabled { background-color: %1; color: %3;"
                   " border: 2px solid %1; border-radius: 4px; padding: 3px 16px; outline: none; }"
                   "QPushButton:enabled:focus { border-color: %2; }")
        .arg(theme.activeBorder.name(), theme.text.name(), textOnAccent(theme).name());
}

// The lessons' summaries are short Markdown: keep paragraphs and `code`, escape the rest.
QString summaryHtml(const std::string &summary)
{
    QString html = qs(summary).toHtmlEscaped();
    static const QRegularExpression code(QStringLiteral("`([^`]+)`"));
    html.replace(code, QStringLiteral("<code>\\1</code>"));
    html.replace(QStringLiteral("\n\n"), QStringLiteral("</p><p>"));
    return "<p>" + html + "</p>";
}

QString searchText(const CatalogEntry &entry)
{
    QStringList parts = {qs(entry.displayTitle()), qs(entry.availabilityLabel())};
    if (entry.lesson) {
        parts << qs(entry.lesson->summary) << qs(entry.lesson->level) << qs(entry.lesson->id)
              << qs(entry.lesson->lab);
        for (const std::string &topic : entry.lesson->topics)
            parts << qs(topic);
    }
    return parts.join('\n');
}

} // namespace

LessonLibrary::LessonLibrary(QWidget *parent)
    : QWidget(parent)
{
    m_filter = new QLineEdit(this);
    m_filter->setObjectName("lessonFilter");
    m_filter->setPlaceholderText("Filter by title, summary or topic  (Ctrl+F)");
    m_filter->setClearButtonEnabled(true);
    m_filter->installEventFilter(this);

    m_model = new QStandardItemModel(this);
    m_filterModel = new QSortFilterProxyModel(this);
    m_filterModel->setSourceModel(m_model);
    m_filterModel->setFilterRole(SearchRole);
    m_filterModel->setFilterCaseSensitivity(Qt::CaseInsensitive);
    // A topic or level stays while any lesson under it matches.
    m_filterModel->setRecursiveFilteringEnabled(true);

    m_tree = new QTreeView(this);
    m_tree->setObjectName("lessonTree");
    m_tree->setModel(m_filterModel);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setUniformRowHeights(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->header()->setStretchLastSection(false);

    m_problems = new QLabel(this);
    m_problems->setObjectName("lessonProblems");
    m_problems->setWordWrap(true);
    m_problems->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problems->hide();

    m_reload = new QPushButton("Reload", this);
    m_reload->setObjectName("reloadButton");
    m_reload->setToolTip("Scan the lesson directories again (F5)");
    m_reload->setShortcut(QKeySequence::Refresh);

    m_details = new QTextBrowser(this);
    m_details->setObjectName("lessonDetails");
    m_details->setOpenLinks(false);
    m_details->setFocusPolicy(Qt::ClickFocus);

    m_run = new QPushButton("Run", this);
    m_run->setObjectName("runButton");
    m_explain = new QPushButton("Explain", this);
    m_explain->setObjectName("explainButton");
    m_explain->setToolTip("Walk through the steps without running anything");

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_reload);
    leftLayout->addLayout(filterRow);
    leftLayout->addWidget(m_tree, 1);
    leftLayout->addWidget(m_problems);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_details, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_explain);
    buttons->addWidget(m_run);
    rightLayout->addLayout(buttons);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    auto *findAction = new QAction(this);
    findAction->setShortcut(QKeySequence::Find);
    findAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(findAction);
    connect(findAction, &QAction::triggered, this, [this] {
        m_filter->setFocus(Qt::ShortcutFocusReason);
        m_filter->selectAll();
    });

    connect(m_filter, &QLineEdit::textChanged, this, &LessonLibrary::filterChanged);
    connect(m_filter, &QLineEdit::returnPressed, this,
            [this] { activate(m_tree->currentIndex()); });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { showDetails(current); });
    connect(m_tree, &QTreeView::activated, this, &LessonLibrary::activate);
    connect(m_run, &QPushButton::clicked, this, [this] {
        if (const CatalogEntry *entry = selectedEntry(); entry && entry->canRun())
            emit runRequested(qs(entry->path));
    });
    connect(m_explain, &QPushButton::clicked, this, [this] {
        if (const CatalogEntry *entry = selectedEntry(); entry && entry->canExplain())
            emit explainRequested(qs(entry->path));
    });
    connect(m_reload, &QPushButton::clicked, this, &LessonLibrary::reload);
    connect(&ThemeManager::instance(), &ThemeManager::themeChanged, this,
            &LessonLibrary::applyTheme);

    applyTheme();
    setFocusProxy(m_tree);
}

void LessonLibrary::setCatalog(LessonCatalog catalog)
{
    m_catalog = std::move(catalog);
    rebuildTree();
}

void LessonLibrary::reload()
{
    m_catalog.rescan();
    rebuildTree();
}

void LessonLibrary::rebuildTree()
{
    const Theme &theme = currentTheme();
    m_model->clear();
    m_model->setHorizontalHeaderLabels({"Lesson", "Availability"});

    // topic → level → the entries, in catalog order; broken files get their own group.
    std::map<QString, std::map<std::pair<int, QString>, std::vector<const CatalogEntry *>>> tree;
    std::vector<const CatalogEntry *> broken;
    for (const CatalogEntry &entry : m_catalog.entries()) {
        if (!entry.lesson) {
            broken.push_back(&entry);
            continue;
        }
        const Lesson &lesson = *entry.lesson;
        const std::pair level{levelRank(lesson.level), qs(lesson.level)};
        if (lesson.topics.empty())
            tree[kNoTopicGroup][level].push_back(&entry);
        for (const std::string &topic : lesson.topics)
            tree[qs(topic)][level].push_back(&entry);
    }

    QFont groupFont = theme.font(1.0, true);
    auto lessonRow = [&](const CatalogEntry &entry) {
        auto *title = new QStandardItem(qs(entry.displayTitle()));
        title->setData(qs(entry.path), PathRole);
        title->setData(searchText(entry), SearchRole);
        title->setToolTip(qs(entry.lesson ? entry.lesson->summary : entry.reason));
        auto *availability = new QStandardItem(qs(entry.availabilityLabel()));
        const QColor color = availabilityColor(entry.availability, theme);
        availability->setForeground(color);
        availability->setIcon(dotIcon(color));
        availability->setData(qs(entry.path), PathRole);
        availability->setToolTip(qs(entry.availabilityDescription()));
        return QList<QStandardItem *>{title, availability};
    };
    auto groupRow = [&](const QString &name, int lessons) {
        auto *item = new QStandardItem(name);
        item->setFont(groupFont);
        auto *count = new QStandardItem(lessons == 1 ? QString("1 lesson")
                                                     : QString("%1 lessons").arg(lessons));
        count->setForeground(theme.mutedText);
        return QList<QStandardItem *>{item, count};
    };

    // std::map orders topics by byte value; teachers expect "Docker" next to "docker".
    std::vector<QString> topics;
    for (const auto &[topic, levels] : tree)
        topics.push_back(topic);
    std::stable_sort(topics.begin(), topics.end(), [](const QString &a, const QString &b) {
        if ((a == kNoTopicGroup) != (b == kNoTopicGroup))
            return b == kNoTopicGroup;
        return QString::compare(a, b, Qt::CaseInsensitive) < 0;
    });
    for (const QString &topic : topics) {
        int lessons = 0;
        for (const auto &[level, entries] : tree[topic])
            lessons += int(entries.size());
        QList<QStandardItem *> topicRow = groupRow(topic, lessons);
        for (const auto &[level, entries] : tree[topic]) {
            auto *levelItem = new QStandardItem(level.second);
            levelItem->setFont(theme.font(0.95));
            levelItem->setForeground(theme.mutedText);
            for (const CatalogEntry *entry : entries)
                levelItem->appendRow(lessonRow(*entry));
            topicRow[0]->appendRow(QList<QStandardItem *>{levelItem, new QStandardItem});
        }
        m_model->appendRow(topicRow);
    }
    if (!broken.empty()) {
        QList<QStandardItem *> brokenRow = groupRow(kBrokenGroup, int(broken.size()));
        brokenRow[0]->setForeground(theme.missing);
        for (const CatalogEntry *entry : broken)
            brokenRow[0]->appendRow(lessonRow(*entry));
        m_model->appendRow(brokenRow);
    }

    QStringList problems;
    for (const std::string &problem : m_catalog.problems())
        problems << qs(problem).toHtmlEscaped();
    m_problems->setText(problems.join("<br>"));
    m_problems->setVisible(!problems.isEmpty());

    m_tree->expandAll();
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    if (!selectLesson(m_selectedPath)) {
        const QModelIndex first = firstLesson({});
        if (first.isValid())
            m_tree->setCurrentIndex(first);
        else
            showDetails({});
    }
}

void LessonLibrary::applyTheme()
{
    const Theme &theme = currentTheme();
    m_tree->setFont(theme.font());
    m_filter->setFont(theme.font());
    m_details->setFont(theme.font());
    m_problems->setFont(theme.font(0.9));
    m_problems->setStyleSheet(QString("color: %1").arg(theme.missing.name()));
    for (QPushButton *button : {m_run, m_explain, m_reload})
        button->setFont(theme.font(1.0, button == m_run));
    // Run is what most people came for: the accent colour, while it can run.
    m_run->setMinimumWidth(QFontMetrics(m_run->font()).horizontalAdvance("Run") * 4);
    m_run->setStyleSheet(primaryButtonStyle(theme));
    m_explain->setMinimumWidth(m_run->minimumWidth());
    const int iconSize = int(theme.basePointSize * 1.2);
    m_tree->setIconSize(QSize(iconSize, iconSize));
    rebuildTree(); // the availability colours come from the theme
}

QString LessonLibrary::selectedPath() const
{
    return m_tree->currentIndex().data(PathRole).toString();
}

const CatalogEntry *LessonLibrary::selectedEntry() const
{
    const QString path = selectedPath();
    return path.isEmpty() ? nullptr : m_catalog.find(path.toStdString());
}

QModelIndex LessonLibrary::firstLesson(const QModelIndex &parent) const
{
    for (int row = 0; row < m_filterModel->rowCount(parent); ++row) {
        const QModelIndex index = m_filterModel->index(row, 0, parent);
        if (!index.data(PathRole).toString().isEmpty())
            return index;
        if (QModelIndex found = firstLesson(index); found.isValid())
            return found;
    }
    return {};
}

QModelIndex LessonLibrary::findLesson(const QModelIndex &parent, const QString &path) const
{
    for (int row = 0; row < m_filterModel->rowCount(parent); ++row) {
        const QModelIndex index = m_filterModel->index(row, 0, parent);
        if (index.data(PathRole).toString() == path)
            return index;
        if (QModelIndex found = findLesson(index, path); found.isValid())
            return found;
    }
    return {};
}

bool LessonLibrary::selectLesson(const QString &path)
{
    if (path.isEmpty())
        return false;
    const QModelIndex index = findLesson({}, path);
    if (!index.isValid())
        return false;
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    return true;
}

void LessonLibrary::setFilterText(const QString &text)
{
    m_filter->setText(text);
}

void LessonLibrary::filterChanged()
{
    m_filterModel->setFilterFixedString(m_filter->text().trimmed());
    m_tree->expandAll();
    // Keep the chosen lesson in view, or move to the first one that still matches.
    if (!selectLesson(m_selectedPath)) {
        const QModelIndex first = firstLesson({});
        if (first.isValid())
            m_tree->setCurrentIndex(first);
        else
            showDetails({});
    }
}

void LessonLibrary::showDetails(const QModelIndex &index)
{
    const QString path = index.data(PathRole).toString();
    if (!path.isEmpty())
        m_selectedPath = path;
    updateDetails();
}

void LessonLibrary::updateDetails()
{
    const Theme &theme = currentTheme();
    const CatalogEntry *entry = selectedEntry();
    m_run->setEnabled(entry && entry->canRun());
    m_explain->setEnabled(entry && entry->canExplain());
    // When the lesson cannot run, explaining it is the thing to do: it gets the accent.
    m_explain->setStyleSheet(entry && !entry->canRun() ? primaryButtonStyle(theme) : QString());
    if (!entry) {
        QString text;
        if (m_catalog.entries().empty()) {
            QStringList directories;
            for (const std::string &directory : m_catalog.directories())
                directories << "<code>" + qs(directory).toHtmlEscaped() + "</code>";
            text = "<p>No lessons found in " +
                   (directories.isEmpty() ? QString("any directory") : directories.join(", ")) +
                   ".</p>";
        } else if (m_filterModel->rowCount() == 0) {
            text = "<p>No lesson matches “" + m_filter->text().toHtmlEscaped() + "”.</p>";
        } else {
            text = "<p>Choose a lesson on the left.</p>";
        }
        m_details->setHtml(
            QString("<div style='color:%1'>%2</div>").arg(theme.mutedText.name(), text));
        m_run->setToolTip({});
        return;
    }

    const QColor badge = availabilityColor(entry->availability, theme);
    QString html = QString("<h2 style='margin-bottom:4px'>%1</h2>")
                       .arg(qs(entry->displayTitle()).toHtmlEscaped());
    html += QString("<p><span style='background-color:%1; color:%3; font-weight:bold'>"
                    "&nbsp;%2&nbsp;</span></p>")
                .arg(badge.name(), qs(entry->availabilityLabel()).toHtmlEscaped(),
                     textOnAccent(theme).name());
    if (entry->broken()) {
        html += QString("<p style='color:%1'><b>This lesson file could not be loaded.</b></p>"
                        "<pre style='white-space:pre-wrap; color:%1'>%2</pre>")
                    .arg(theme.missing.name(), qs(entry->reason).toHtmlEscaped());
    } else {
        const Lesson &lesson = *entry->lesson;
        html += summaryHtml(lesson.summary);
        if (entry->availability != LessonAvailability::RunsHere)
            html += "<p>" + qs(entry->availabilityDescription()).toHtmlEscaped() + "</p>";
        QStringList topics;
        for (const std::string &topic : lesson.topics)
            topics << qs(topic).toHtmlEscaped();
        auto row = [&](const QString &name, const QString &value) {
            return QString("<tr><td style='color:%1; padding-right:12px'>%2</td><td>%3</td></tr>")
                .arg(theme.mutedText.name(), name, value);
        };
        html += "<table cellspacing='2'>";
        html += row("Level", qs(lesson.level).toHtmlEscaped());
        html += row("Topics", topics.isEmpty() ? QString("—") : topics.join(", "));
        html += row("Lab", qs(lesson.lab).toHtmlEscaped());
        html += row("Steps", QString::number(lesson.steps.size()));
        html += row("Quiz", lesson.quiz.empty() ? QString("none")
                            : lesson.quiz.size() == 1
                                ? QString("1 question")
                                : QString("%1 questions").arg(lesson.quiz.size()));
        html += "</table>";
    }
    html += QString("<p style='color:%1; font-size:small'>%2</p>")
                .arg(theme.mutedText.name(), qs(entry->path).toHtmlEscaped());
    m_details->setHtml(html);

    m_run->setToolTip(entry->canRun() ? QString("Run this lesson for real in the lab (Enter)")
                                      : qs(entry->availabilityDescription()));
    m_explain->setToolTip(entry->canRun() ? QString("Walk through the steps without running")
                                          : QString("Walk through the steps (Enter)"));
}

void LessonLibrary::activate(const QModelIndex &index)
{
    const CatalogEntry *entry = m_catalog.find(index.data(PathRole).toString().toStdString());
    if (!entry)
        return;
    if (entry->canRun())
        emit runRequested(qs(entry->path));
    else if (entry->canExplain())
        emit explainRequested(qs(entry->path));
}

bool LessonLibrary::eventFilter(QObject *watched, QEvent *event)
{
    // From the filter box, Down moves into the list and Escape clears the filter.
    if (watched == m_filter && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Down) {
            m_tree->setFocus(Qt::TabFocusReason);
            return true;
        }
        if (key->key() == Qt::Key_Escape && !m_filter->text().isEmpty()) {
            m_filter->clear();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace flowlab
