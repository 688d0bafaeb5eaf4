#pragma once

// Models of the network evidence: the packet list (Wireshark's columns), one NAT pair side by
// side with the rewritten fields marked, and the firewall chains a step touches.

#include "app/desktop/inspector/EvidenceModels.h"

#include <unordered_set>

namespace flowlab {

class PacketTableModel : public EventRowsModel
{
public:
    enum Column { Number, Time, Interface, Source, Destination, Protocol, Info, Role };
    explicit PacketTableModel(QObject *parent = nullptr);

    // The packets of the NAT pair on show are drawn bold.
    void setEmphasized(std::unordered_set<std::uint64_t> seqs);

protected:
    QString text(const InspectedEvent &row, int column) const override;
    bool isCode(int column) const override { return column == Source || column == Destination; }
    QVariant foreground(const InspectedEvent &row, int column) const override;
    bool isBold(const InspectedEvent &row) const override;

private:
    std::unordered_set<std::uint64_t> m_emphasized;
};

// One packet before and after address translation, field by field, when conntrack paired them;
// otherwise two packets side by side ("First packet", "Second packet"). Cells of fields the
// NAT rewrote (or, for two packets, that differ) carry ChangedRole and the theme's
// changedField background; every value cell has its whole text as a tooltip.
class NatPairModel : public QAbstractTableModel
{
public:
    enum Column { Field, Before, After };
    explicit NatPairModel(QObject *parent = nullptr);

    void setPair(const NatPair *pair); // nullptr clears
    bool hasPair() const { return !m_rows.empty(); }
    const NatPair &pair() const { return m_pair; }
    int rowOfField(const QString &field) const;
    void themeChanged();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    struct Row
    {
        QString field, before, after;
        bool rewritten = false; // by the NAT: the lesson's point
    };

    NatPair m_pair;
    std::vector<Row> m_rows;
};

// The chains a step touches, rule by rule, with the rule it names highlighted.
class RuleChainModel : public QAbstractTableModel
{
public:
    enum Column { Chain, Position, Rule, Packets, Bytes, LastChange, Why };
    explicit RuleChainModel(QObject *parent = nullptr);

    void setRules(std::vector<RuleRow> rules);
    const std::vector<RuleRow> &rules() const { return m_rules; }
    int rowOf(std::uint64_t seq) const;
    void themeChanged();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    QString text(const RuleRow &rule, int column) const;

    std::vector<RuleRow> m_rules;
    bool m_severalNetns = false;
};

} // namespace flowlab
