#include "app/desktop/inspector/NetworkModels.h"

#include "app/desktop/inspector/EvidenceAttributes.h"
#include "app/desktop/inspector/EvidenceText.h"
#include "app/desktop/theme/Theme.h"

#include <algorithm>

namespace flowlab {

using namespace evidence;

namespace {

bool names(const std::vector<std::string> &fields, std::initializer_list<const char *> any)
{
    for (const char *name : any)
        if (std::find(fields.begin(), fields.end(), name) != fields.end())
            return true;
    return false;
}

QString tupleEndpoint(const nlohmann::json *tuple, const char *address, const char *port)
{
    if (!tuple)
        return {};
    const QString host = qs(memberText(*tuple, address));
    const QString number = qs(memberText(*tuple, port));
    return number.isEmpty() ? host : host + ':' + number;
}

QString natName(const NatPair &pair)
{
    if (pair.nat.empty() || pair.nat == "none")
        return QStringLiteral("NAT");
    if (pair.nat == "both")
        return QStringLiteral("NAT");
    return qs(pair.nat).toUpper();
}

} // namespace

// --- PacketTableModel -----------------------------------------------------------------------

PacketTableModel::PacketTableModel(QObject *parent)
    : EventRowsModel({tr("No."), tr("Time"), tr("Interface"), tr("Source"), tr("Destination"),
                      tr("Protocol"), tr("Info"), tr("Evidence for")},
                     parent)
{}

void PacketTableModel::setEmphasized(std::unordered_set<std::uint64_t> seqs)
{
    m_emphasized = std::move(seqs);
    themeChanged();
}

QString PacketTableModel::text(const InspectedEvent &row, int column) const
{
    const Event &packet = *row.event;
    switch (column) {
    case Number:
        return packetNumber(packet);
    case Time:
        return relativeSeconds(packet.monotonicNs, m_originNs);
    case Interface:
        return packetInterface(packet);
    case Source:
        return packetEndpoint(packet, true);
    case Destination:
        return packetEndpoint(packet, false);
    case Protocol:
        return packetProtocol(packet);
    case Info:
        return packetInfo(packet);
    case Role:
        return qs(row.role);
    }
    return {};
}

QVariant PacketTableModel::foreground(const InspectedEvent &, int column) const
{
    if (column == Number || column == Time || column == Role)
        return currentTheme().mutedText;
    return {};
}

bool PacketTableModel::isBold(const InspectedEvent &row) const
{
    return m_emphasized.count(row.event->seq) > 0;
}

// --- NatPairModel ---------------------------------------------------------------------------

NatPairModel::NatPairModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void NatPairModel::setPair(const NatPair *pair)
{
    beginResetModel();
    m_rows.clear();
    m_pair = pair ? *pair : NatPair{};
    if (pair) {
        const auto &changed = pair->changedFields;
        auto add = [&](const QString &field, const QString &before, const QString &after,
                       bool rewritten = false) {
            if (!before.isEmpty() || !after.isEmpty())
                m_rows.push_back({field, before, after, rewritten});
        };
        const bool sourceRewritten = names(changed, {"src", "sport"});
        const bool destinationRewritten = names(changed, {"dst", "dport"});
        if (pair->before || pair->after) {
            auto field = [](const Event *packet, auto read) {
                return packet ? read(*packet) : QString();
            };
            auto attribute = [&](const char *key) {
                return [key](const Event &packet) { return qs(attrText(packet, key)); };
            };
            const Event *b = pair->before;
            const Event *a = pair->after;
            add(tr("Interface"), field(b, packetInterface), field(a, packetInterface));
            add(tr("Source"), field(b, [](const Event &p) { return packetEndpoint(p, true); }),
                field(a, [](const Event &p) { return packetEndpoint(p, true); }), sourceRewritten);
            add(tr("Destination"),
                field(b, [](const Event &p) { return packetEndpoint(p, false); }),
                field(a, [](const Event &p) { return packetEndpoint(p, false); }),
                destinationRewritten);
            add(tr("Protocol"), field(b, attribute("proto")).toUpper(),
                field(a, attribute("proto")).toUpper());
            add(tr("TCP flags"), field(b, attribute("flags")), field(a, attribute("flags")));
            add(tr("TTL"), field(b, attribute("ttl")), field(a, attribute("ttl")));
            add(tr("IP ID"), field(b, attribute("ip_id")), field(a, attribute("ip_id")));
            add(tr("Source MAC"), field(b, attribute("src_mac")), field(a, attribute("src_mac")));
            add(tr("Destination MAC"), field(b, attribute("dst_mac")),
                field(a, attribute("dst_mac")));
            add(tr("HTTP"), field(b, attribute("http")), field(a, attribute("http")));
        } else if (pair->pairEvent) {
            // A conntrack flow: the original tuple is what was sent; the reply tuple, read
            // backwards, is where it really went.
            const nlohmann::json *orig = attr(*pair->pairEvent, "orig");
            const nlohmann::json *reply = attr(*pair->pairEvent, "reply");
            add(tr("Source"), tupleEndpoint(orig, "src", "sport"),
                tupleEndpoint(reply, "dst", "dport"), sourceRewritten);
            add(tr("Destination"), tupleEndpoint(orig, "dst", "dport"),
                tupleEndpoint(reply, "src", "sport"), destinationRewritten);
            const QString proto = qs(attrText(*pair->pairEvent, "proto")).toUpper();
            add(tr("Protocol"), proto, proto);
            const QString state = qs(attrText(*pair->pairEvent, "state"));
            add(tr("conntrack state"), state, state);
        }
    }
    endResetModel();
}

int NatPairModel::rowOfField(const QString &field) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].field == field)
            return static_cast<int>(i);
    return -1;
}

void NatPairModel::themeChanged()
{
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, 2));
}

int NatPairModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int NatPairModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : 3;
}

QVariant NatPairModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::FontRole)
        return currentTheme().font(1.0, true);
    if (role != Qt::DisplayRole)
        return {};
    const QString reply = m_pair.direction == "reply" ? tr(" (reply)") : QString();
    switch (section) {
    case Field:
        return tr("Field");
    case Before:
        return m_pair.isNatPair() ? tr("Before %1").arg(natName(m_pair)) + reply
                                  : tr("First packet");
    case After:
        return m_pair.isNatPair() ? tr("After %1").arg(natName(m_pair)) + reply
                                  : tr("Second packet");
    }
    return {};
}

QVariant NatPairModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const Row &row = m_rows[index.row()];
    const bool valueCell = index.column() != Field;
    const bool marked = valueCell && row.rewritten;
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == Field ? row.field
                                       : (index.column() == Before ? row.before : row.after);
    case Qt::ToolTipRole:
        if (!valueCell)
            return {};
        if (marked)
            return m_pair.isNatPair()
                       ? tr("rewritten by %1: %2 → %3").arg(natName(m_pair), row.before, row.after)
                       : tr("differs between the two packets: %1 / %2").arg(row.before, row.after);
        // Long values (MACs, HTTP lines) may be cut by the column: the tooltip has them whole.
        return index.column() == Before ? row.before : row.after;
    case ChangedRole:
        return marked;
    case Qt::BackgroundRole:
        return marked ? QVariant(currentTheme().changedField) : QVariant();
    case Qt::FontRole: {
        QFont font = valueCell ? codeFont(1.0) : currentTheme().font();
        font.setBold(row.rewritten);
        return font;
    }
    case Qt::ForegroundRole:
        if (index.column() == Field && !row.rewritten)
            return currentTheme().mutedText;
        return {};
    case SeqRole: {
        const Event *packet = index.column() == After ? m_pair.after : m_pair.before;
        return QVariant::fromValue<quint64>(packet ? packet->seq : 0);
    }
    default:
        return {};
    }
}

// --- RuleChainModel -------------------------------------------------------------------------

RuleChainModel::RuleChainModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void RuleChainModel::setRules(std::vector<RuleRow> rules)
{
    beginResetModel();
    m_rules = std::move(rules);
    m_severalNetns = std::any_of(m_rules.begin(), m_rules.end(), [&](const RuleRow &rule) {
        return rule.netns != m_rules.front().netns;
    });
    endResetModel();
}

int RuleChainModel::rowOf(std::uint64_t seq) const
{
    for (std::size_t i = 0; i < m_rules.size(); ++i)
        if (m_rules[i].lastEvent && m_rules[i].lastEvent->seq == seq)
            return static_cast<int>(i);
    return -1;
}

void RuleChainModel::themeChanged()
{
    if (!m_rules.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int RuleChainModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rules.size());
}

int RuleChainModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : 7;
}

QVariant RuleChainModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Chain:
        return tr("Table / chain");
    case Position:
        return tr("#");
    case Rule:
        return tr("Rule");
    case Packets:
        return tr("Packets");
    case Bytes:
        return tr("Bytes");
    case LastChange:
        return tr("Last seen");
    case Why:
        return tr("Evidence for");
    }
    return {};
}

QString RuleChainModel::text(const RuleRow &rule, int column) const
{
    switch (column) {
    case Chain: {
        QString chain = qs(rule.table) + '/' + qs(rule.chain);
        return m_severalNetns ? qs(rule.netns) + ' ' + chain : chain;
    }
    case Position:
        return rule.position > 0 ? QString::number(rule.position) : QString();
    case Rule:
        return qs(rule.rule);
    case Packets:
        return rule.packets >= 0 ? QString::number(rule.packets) : QString();
    case Bytes:
        return rule.bytes >= 0 ? QString::number(rule.bytes) : QString();
    case LastChange:
        return qs(rule.lastChange);
    case Why:
        return qs(rule.why);
    }
    return {};
}

QVariant RuleChainModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rules.size()))
        return {};
    const RuleRow &rule = m_rules[index.row()];
    const Theme &theme = currentTheme();
    const bool deleted = rule.lastChange == "deleted";
    switch (role) {
    case Qt::DisplayRole:
        return text(rule, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Chain)
            return tr("netns %1, table %2, chain %3")
                .arg(qs(rule.netns), qs(rule.table), qs(rule.chain));
        return index.column() == Rule || index.column() == Why ? text(rule, index.column())
                                                               : QVariant();
    case Qt::TextAlignmentRole:
        if (index.column() == Position || index.column() == Packets || index.column() == Bytes)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::BackgroundRole:
        return rule.matched ? QVariant(theme.changedField) : QVariant();
    case Qt::ForegroundRole:
        if (deleted)
            return theme.mutedText;
        if (index.column() == Chain)
            return theme.kindColor(EventKind::Rule);
        return {};
    case Qt::FontRole: {
        QFont font = index.column() == Rule ? codeFont() : theme.font();
        font.setBold(rule.matched);
        font.setStrikeOut(deleted && index.column() == Rule);
        return font;
    }
    case MatchedRole:
        return rule.matched;
    case SeqRole:
        return QVariant::fromValue<quint64>(rule.lastEvent ? rule.lastEvent->seq : 0);
    default:
        return {};
    }
}

} // namespace flowlab
