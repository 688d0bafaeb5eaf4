#pragma once

// Table models behind the inspector's lists, kept apart from the views as Wireshark does.
// Each holds only the rows of the current step (a few dozen events), computes cell text on
// demand, and takes colours and fonts from the current theme when asked.

#include "app/desktop/inspector/EvidenceIndex.h"

#include <QAbstractTableModel>
#include <QFont>
#include <QStringList>
#include <utility>
#include <vector>

namespace flowlab {

// Roles beyond Qt's that views, the inspector and tests read.
enum EvidenceRole : int {
    SeqRole = Qt::UserRole + 1, // the event a row stands for (quint64), 0 when none
    ChangedRole,                // bool: a field that address translation rewrote
    MatchedRole,                // bool: the rule the step's evidence names
};

// Monospace at the theme's size, for arguments, bodies and raw JSON.
QFont codeFont(double scale = 0.95);

// Rows of events with their lesson roles. Subclasses say what the columns are.
class EventRowsModel : public QAbstractTableModel
{
public:
    explicit EventRowsModel(QStringList columns, QObject *parent = nullptr);

    // `originNs` is what the Time column counts from: the trace's first event.
    void setRows(std::vector<InspectedEvent> rows, std::int64_t originNs);
    void clear() { setRows({}, m_originNs); }
    // Adds an event picked elsewhere (the timeline); returns its row.
    int appendRow(InspectedEvent row);
    int rowOf(std::uint64_t seq) const;
    const Event *eventAt(int row) const;
    const std::vector<InspectedEvent> &rows() const { return m_rows; }
    // Colours and fonts come from the theme; after a theme change every cell is new.
    void themeChanged();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    QVariant data(const QModelIndex &index, int role) const override;

protected:
    virtual QString text(const InspectedEvent &row, int column) const = 0;
    virtual bool isCode(int) const { return false; }
    virtual QVariant foreground(const InspectedEvent &, int) const { return {}; }
    virtual bool isBold(const InspectedEvent &) const { return false; }

    std::int64_t m_originNs = 0;

private:
    QStringList m_columns;
    std::vector<InspectedEvent> m_rows;
};

// Syscalls, process events and netlink messages, decoded as strace would print them.
class SyscallTableModel : public EventRowsModel
{
public:
    enum Column { Time, Process, Call, Arguments, Result, Role };
    explicit SyscallTableModel(QObject *parent = nullptr);

protected:
    QString text(const InspectedEvent &row, int column) const override;
    bool isCode(int column) const override;
    QVariant foreground(const InspectedEvent &row, int column) const override;
};

// Every piece of a step's evidence (the Raw tab's list).
class EvidenceListModel : public EventRowsModel
{
public:
    enum Column { Seq, Time, Kind, Source, Role, Summary };
    explicit EvidenceListModel(QObject *parent = nullptr);

protected:
    QString text(const InspectedEvent &row, int column) const override;
    QVariant foreground(const InspectedEvent &row, int column) const override;
};

// Kubernetes objects and store keys.
class ObjectTableModel : public EventRowsModel
{
public:
    enum Column { Kind, Name, Operation, Revision, Role };
    explicit ObjectTableModel(QObject *parent = nullptr);

protected:
    QString text(const InspectedEvent &row, int column) const override;
    bool isCode(int column) const override { return column == Name; }
};

// Requests with their responses.
class ApiExchangeModel : public QAbstractTableModel
{
public:
    enum Column { Method, Path, Status, Duration, Role };
    explicit ApiExchangeModel(QObject *parent = nullptr);

    void setExchanges(std::vector<Exchange> exchanges);
    int appendExchange(Exchange exchange);
    int rowOf(std::uint64_t seq) const;
    const Exchange *exchangeAt(int row) const;
    void themeChanged();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    std::vector<Exchange> m_exchanges;
};

// (field, value) pairs: the decoded attributes of one event.
class FieldTableModel : public QAbstractTableModel
{
public:
    explicit FieldTableModel(QObject *parent = nullptr);

    void setFields(std::vector<std::pair<QString, QString>> fields);
    void themeChanged();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    std::vector<std::pair<QString, QString>> m_fields;
};

} // namespace flowlab
