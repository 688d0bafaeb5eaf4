#pragma once

// The lesson library: every lesson of the catalog grouped by topic, then level (a lesson with
// several topics is listed under each), a filter box, and the chosen lesson's details with
// whether it runs here. "Run" and "Explain" (or Enter) hand the lesson's file to the main
// window, which starts it.

#include "app/desktop/library/LessonCatalog.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QModelIndex;
class QPushButton;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTextBrowser;
class QTreeView;

namespace flowlab {

class LessonLibrary : public QWidget
{
    Q_OBJECT
public:
    // Item data of lesson rows in the tree: the lesson file's path (QString).
    static constexpr int PathRole = Qt::UserRole + 1;
    // Item data of lesson rows: the text the filter searches (title, summary, topics, level).
    static constexpr int SearchRole = Qt::UserRole + 2;

    explicit LessonLibrary(QWidget *parent = nullptr);

    // Shows `catalog`, keeping the selected lesson when it is still there.
    void setCatalog(LessonCatalog catalog);
    const LessonCatalog &catalog() const { return m_catalog; }

    // Scans the catalog's directories again.
    void reload();

    // The selected lesson's file, or empty.
    QString selectedPath() const;
    // Selects the first row of the lesson at `path`; false when it is not shown.
    bool selectLesson(const QString &path);
    // Filters the tree as typing in the filter box does.
    void setFilterText(const QString &text);

signals:
    // The user asked to run the lesson at `path` for real (only for lessons that run here).
    void runRequested(const QString &path);
    // The user asked to walk through the lesson without running it.
    void explainRequested(const QString &path);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void rebuildTree();
    void applyTheme();
    void showDetails(const QModelIndex &index);
    void updateDetails();
    void activate(const QModelIndex &index);
    void filterChanged();
    QModelIndex firstLesson(const QModelIndex &parent) const;
    QModelIndex findLesson(const QModelIndex &parent, const QString &path) const;
    const CatalogEntry *selectedEntry() const;

    LessonCatalog m_catalog;
    QString m_selectedPath;
    QStandardItemModel *m_model = nullptr;
    QSortFilterProxyModel *m_filterModel = nullptr;
    QLineEdit *m_filter = nullptr;
    QTreeView *m_tree = nullptr;
    QLabel *m_problems = nullptr;
    QTextBrowser *m_details = nullptr;
    QPushButton *m_run = nullptr;
    QPushButton *m_explain = nullptr;
    QPushButton *m_reload = nullptr;
};

} // namespace flowlab
