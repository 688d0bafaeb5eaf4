#include "app/desktop/inspector/EvidenceModels.h"

#include "app/desktop/inspector/EvidenceText.h"
#include "app/desktop/theme/Theme.h"

#include <QFontDatabase>

namespace flowlab {

using namespace evidence;

namespace {

// Cells this long or longer get their whole text as a tooltip, in case the view elides them.
constexpr qsizetype kTooltipFrom = 12;

QVariant seqVariant(const Event *event)
{
    return QVariant::fromValue<quint64>(event ? event->seq : 0);
}

} // namespace

QFont codeFont(double scale)
{
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    font.setPointSizeF(currentTheme().basePointSize * scale);
    return font;
}

// --- EventRowsModel -------------------------------------------------------------------------

EventRowsModel::EventRowsModel(QStringList columns, QObject *parent)
    : QAbstractTableModel(parent)
    , m_columns(std::move(columns))
{}

void EventRowsModel::setRows(std::vector<InspectedEvent> rows, std::int64_t originNs)
{
    beginResetModel();
    m_rows = std::move(rows);
    m_originNs = originNs;
    endResetModel();
}

int EventRowsModel::appendRow(InspectedEvent row)
{
    const int at = static_cast<int>(m_rows.size());
    beginInsertRows({}, at, at);
    m_rows.push_back(std::move(row));
    endInsertRows();
    return at;
}

int EventRowsModel::rowOf(std::uint64_t seq) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].event->seq == seq)
            return static_cast<int>(i);
    return -1;
}

const Event *EventRowsModel::eventAt(int row) const
{
    return row >= 0 && row < static_cast<int>(m_rows.size()) ? m_rows[row].event : nullptr;
}

void EventRowsModel::themeChanged()
{
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int EventRowsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EventRowsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
}

QVariant EventRowsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section < m_columns.size())
        return m_columns.at(section);
    return QAbstractTableModel::headerData(section, orientation, role);
}

QVariant EventRowsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const InspectedEvent &row = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return text(row, index.column());
    case Qt::ToolTipRole: {
        const QString cell = text(row, index.column());
        return cell.size() >= kTooltipFrom ? cell : QVariant();
    }
    case Qt::FontRole: {
        if (!isCode(index.column()) && !isBold(row))
            return {};
        QFont font = isCode(index.column()) ? codeFont() : currentTheme().font();
        font.setBold(isBold(row));
        return font;
    }
    case Qt::ForegroundRole:
        return foreground(row, index.column());
    case SeqRole:
        return seqVariant(row.event);
    default:
        return {};
    }
}

// --- SyscallTableModel ----------------------------------------------------------------------

SyscallTableModel::SyscallTableModel(QObject *parent)
    : EventRowsModel({tr("Time"), tr("Process"), tr("Call"), tr("Arguments"), tr("Result"),
                      tr("Evidence for")},
                     parent)
{}

QString SyscallTableModel::text(const InspectedEvent &row, int column) const
{
    const Event &event = *row.event;
    switch (column) {
    case Time:
        return relativeSeconds(event.monotonicNs, m_originNs);
    case Process:
        return processName(event);
    case Call:
        return syscallCall(event);
    case Arguments:
        return syscallArguments(event);
    case Result:
        return syscallResult(event);
    case Role:
        return qs(row.role);
    }
    return {};
}

bool SyscallTableModel::isCode(int column) const
{
    return column == Call || column == Arguments || column == Result;
}

QVariant SyscallTableModel::foreground(const InspectedEvent &row, int column) const
{
    const Theme &theme = currentTheme();
    if (column == Result && syscallFailed(*row.event))
        return theme.missing;
    if (column == Call)
        return theme.kindColor(row.event->kind);
    if (column == Time || column == Role)
        return theme.mutedText;
    return {};
}

// --- EvidenceListModel ----------------------------------------------------------------------

EvidenceListModel::EvidenceListModel(QObject *parent)
    : EventRowsModel(
          {tr("Seq"), tr("Time"), tr("Kind"), tr("Source"), tr("Evidence for"), tr("Summary")},
          parent)
{}

QString EvidenceListModel::text(const InspectedEvent &row, int column) const
{
    const Event &event = *row.event;
    switch (column) {
    case Seq:
        return QString::number(event.seq);
    case Time:
        return relativeSeconds(event.monotonicNs, m_originNs);
    case Kind:
        return qs(std::string(toString(event.kind)));
    case Source:
        return qs(event.source.component);
    case Role:
        return qs(row.role);
    case Summary:
        return qs(event.summary);
    }
    return {};
}

QVariant EvidenceListModel::foreground(const InspectedEvent &row, int column) const
{
    if (column == Kind)
        return currentTheme().kindColor(row.event->kind);
    if (column == Seq || column == Time)
        return currentTheme().mutedText;
    return {};
}

// --- ObjectTableModel -----------------------------------------------------------------------

ObjectTableModel::ObjectTableModel(QObject *parent)
    : EventRowsModel(
          {tr("Kind"), tr("Name or key"), tr("Operation"), tr("Revision"), tr("Evidence for")},
          parent)
{}

QString ObjectTableModel::text(const InspectedEvent &row, int column) const
{
    switch (column) {
    case Kind:
        return objectKind(*row.event);
    case Name:
        return evidence::objectName(*row.event);
    case Operation:
        return objectOperation(*row.event);
    case Revision:
        return objectRevision(*row.event);
    case Role:
        return qs(row.role);
    }
    return {};
}

// --- ApiExchangeModel -----------------------------------------------------------------------

ApiExchangeModel::ApiExchangeModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void ApiExchangeModel::setExchanges(std::vector<Exchange> exchanges)
{
    beginResetModel();
    m_exchanges = std::move(exchanges);
    endResetModel();
}

int ApiExchangeModel::appendExchange(Exchange exchange)
{
    const int at = static_cast<int>(m_exchanges.size());
    beginInsertRows({}, at, at);
    m_exchanges.push_back(std::move(exchange));
    endInsertRows();
    return at;
}

int ApiExchangeModel::rowOf(std::uint64_t seq) const
{
    for (std::size_t i = 0; i < m_exchanges.size(); ++i)
        if (m_exchanges[i].contains(seq))
            return static_cast<int>(i);
    return -1;
}

const Exchange *ApiExchangeModel::exchangeAt(int row) const
{
    return row >= 0 && row < static_cast<int>(m_exchanges.size()) ? &m_exchanges[row] : nullptr;
}

void ApiExchangeModel::themeChanged()
{
    if (!m_exchanges.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int ApiExchangeModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_exchanges.size());
}

int ApiExchangeModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : 5;
}

QVariant ApiExchangeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Method:
        return tr("Method");
    case Path:
        return tr("Path");
    case Status:
        return tr("Status");
    case Duration:
        return tr("Took");
    case Role:
        return tr("Evidence for");
    }
    return {};
}

QVariant ApiExchangeModel::data(const QModelIndex &index, int role) const
{
    const Exchange *exchange = exchangeAt(index.row());
    if (!exchange || !index.isValid())
        return {};
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Method:
            return exchangeMethod(*exchange);
        case Path:
            return exchangePath(*exchange);
        case Status:
            return exchangeStatus(*exchange);
        case Duration:
            if (auto ms = exchangeDurationMs(*exchange))
                return QStringLiteral("%1 ms").arg(*ms, 0, 'f', *ms < 10 ? 1 : 0);
            return QString();
        case Role:
            return qs(exchange->role);
        }
    }
    const Theme &theme = currentTheme();
    if (role == Qt::ForegroundRole) {
        if (index.column() == Status && exchange->response)
            return exchangeFailed(*exchange) ? theme.missing : theme.observed;
        if (index.column() == Method && exchange->primary())
            return theme.kindColor(exchange->primary()->kind);
        if (index.column() == Role || index.column() == Duration)
            return theme.mutedText;
    }
    if (role == Qt::FontRole) {
        if (index.column() == Path)
            return codeFont();
        if (index.column() == Method || index.column() == Status)
            return theme.font(1.0, true);
    }
    if (role == SeqRole)
        return QVariant::fromValue<quint64>(exchange->primary() ? exchange->primary()->seq : 0);
    return {};
}

// --- FieldTableModel ------------------------------------------------------------------------

FieldTableModel::FieldTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void FieldTableModel::setFields(std::vector<std::pair<QString, QString>> fields)
{
    beginResetModel();
    m_fields = std::move(fields);
    endResetModel();
}

void FieldTableModel::themeChanged()
{
    if (!m_fields.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, 1));
}

int FieldTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_fields.size());
}

int FieldTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : 2;
}

QVariant FieldTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole)
        return section == 0 ? tr("Field") : tr("Value");
    return QAbstractTableModel::headerData(section, orientation, role);
}

QVariant FieldTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_fields.size()))
        return {};
    const auto &[name, value] = m_fields[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == 0 ? name : value;
    case Qt::ToolTipRole:
        return index.column() == 1 && value.size() >= kTooltipFrom ? value : QVariant();
    case Qt::FontRole:
        return index.column() == 1 ? QVariant(codeFont()) : QVariant();
    case Qt::ForegroundRole:
        return index.column() == 0 ? QVariant(currentTheme().mutedText) : QVariant();
    default:
        return {};
    }
}

} // namespace flowlab
