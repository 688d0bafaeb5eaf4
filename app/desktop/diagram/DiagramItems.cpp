#include "app/desktop/diagram/DiagramItems.h"

#include "app/desktop/diagram/DiagramLayout.h"
#include "app/desktop/theme/Theme.h"

#include <QCursor>
#include <QFontMetricsF>
#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <QPainterPathStroker>
#include <QtMath>

namespace flowlab {

namespace {

// Scene text is sized in scene units: the view scales the whole diagram to fit, so these
// read the same on a laptop and on a projector. Presenter mode adds weight, not layout.
QFont sceneFont(double pixels, bool bold = false)
{
    QFont font;
    font.setPixelSize(qRound(pixels * (currentTheme().presenter ? 1.12 : 1.0)));
    font.setBold(bold || currentTheme().presenter);
    return font;
}

double lineWidth(double normal)
{
    return currentTheme().presenter ? normal * 1.6 : normal;
}

QColor blend(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                            a.greenF() + (b.greenF() - a.greenF()) * t,
                            a.blueF() + (b.blueF() - a.blueF()) * t);
}

} // namespace

BandItem::BandItem(const QRectF &rect, QString label, bool striped)
    : m_rect(rect)
    , m_label(std::move(label))
    , m_striped(striped)
{
    setZValue(-10);
}

void BandItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const Theme &theme = currentTheme();
    painter->setPen(Qt::NoPen);
    painter->setBrush(m_striped ? theme.laneStripe : theme.background);
    painter->drawRoundedRect(m_rect, 10, 10);
    painter->setPen(theme.mutedText);
    painter->setFont(sceneFont(17, true));
    const QRectF labelRect(m_rect.left() + 14, m_rect.top(), DiagramLayout::kBandLabelWidth - 24,
                           m_rect.height());
    painter->drawText(labelRect, Qt::AlignVCenter | Qt::AlignLeft | Qt::TextWordWrap,
                      m_label.toUpper());
}

ComponentItem::ComponentItem(std::string id, QString label, const QRectF &rect)
    : m_id(std::move(id))
    , m_label(std::move(label))
    , m_rect(rect)
{
    setAcceptedMouseButtons(Qt::LeftButton);
    setCursor(Qt::PointingHandCursor);
    setToolTip(m_label);
}

QRectF ComponentItem::boundingRect() const
{
    return m_rect.adjusted(-14, -14, 14, 14);
}

void ComponentItem::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    setZValue(state == State::Active || state == State::ActiveMissing ? 5 : 0);
    update();
}

void ComponentItem::setPulse(double pulse)
{
    m_pulse = pulse;
    update();
}

void ComponentItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const Theme &theme = currentTheme();
    painter->setRenderHint(QPainter::Antialiasing);
    const bool active = m_state == State::Active || m_state == State::ActiveMissing;
    const QColor accent = m_state == State::ActiveMissing ? theme.missing : theme.activeBorder;
    if (active) {
        // A halo that swells as the token arrives.
        QColor halo = accent;
        halo.setAlphaF(0.18 + 0.25 * m_pulse);
        painter->setPen(Qt::NoPen);
        painter->setBrush(halo);
        const double grow = 6 + 6 * m_pulse;
        painter->drawRoundedRect(m_rect.adjusted(-grow, -grow, grow, grow), 16, 16);
    }
    QColor fill = theme.componentFill;
    if (active)
        fill = m_state == State::ActiveMissing ? blend(theme.componentFill, theme.missing, 0.15)
                                               : theme.activeFill;
    QPen border(active ? accent : theme.componentBorder, lineWidth(active ? 3.5 : 1.6));
    if (m_state == State::Visited)
        border.setColor(blend(theme.componentBorder, theme.activeBorder, 0.45));
    painter->setPen(border);
    painter->setBrush(fill);
    painter->drawRoundedRect(m_rect, 12, 12);

    painter->setPen(theme.text);
    const QRectF textRect = labelRect();
    painter->setFont(labelFont(textRect, active));
    painter->drawText(textRect, Qt::AlignCenter | Qt::TextWordWrap, m_label);
}

// The largest label size, down to a floor, at which the whole label fits the box: a long
// unbreakable word ("192.168.56.5:5000") would otherwise run past the edges and be cut.
QFont ComponentItem::labelFont(const QRectF &textRect, bool bold) const
{
    const double preferred = m_rect.width() < 200 ? 18 : 21;
    QFont font = sceneFont(preferred, bold);
    for (double size = preferred; size >= 12; size -= 1) {
        font = sceneFont(size, bold);
        const QRectF needed =
            QFontMetricsF(font).boundingRect(textRect, Qt::AlignCenter | Qt::TextWordWrap, m_label);
        if (needed.width() <= textRect.width() && needed.height() <= textRect.height())
            break;
    }
    return font;
}

void ComponentItem::mousePressEvent(QGraphicsSceneMouseEvent *event)
{
    emit clicked(QString::fromStdString(m_id));
    event->accept();
}

EdgeItem::EdgeItem(std::string from, std::string to, QPainterPath path)
    : m_from(std::move(from))
    , m_to(std::move(to))
    , m_path(std::move(path))
{
    setZValue(-1);
}

QRectF EdgeItem::boundingRect() const
{
    return m_path.boundingRect().adjusted(-16, -16, 16, 16);
}

QPainterPath EdgeItem::shape() const
{
    QPainterPathStroker stroker;
    stroker.setWidth(12);
    return stroker.createStroke(m_path);
}

void EdgeItem::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    setZValue(state == State::Active || state == State::ActiveMissing ? 3 : -1);
    update();
}

void EdgeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const Theme &theme = currentTheme();
    painter->setRenderHint(QPainter::Antialiasing);
    QPen pen;
    pen.setCapStyle(Qt::RoundCap);
    switch (m_state) {
    case State::Faint: {
        QColor faint = theme.edge;
        faint.setAlphaF(0.45);
        pen = QPen(faint, lineWidth(1.5), Qt::DashLine);
        break;
    }
    case State::Visited:
        pen = QPen(theme.edge, lineWidth(2.2));
        break;
    case State::Active:
        pen = QPen(theme.activeEdge, lineWidth(4.5));
        break;
    case State::ActiveMissing:
        pen = QPen(theme.missing, lineWidth(4.5), Qt::DashLine);
        break;
    }
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);

    // The arrowhead, along the path's last stretch.
    const QPointF tip = m_path.pointAtPercent(1.0);
    const QPointF before = m_path.pointAtPercent(0.96);
    const double angle = std::atan2(tip.y() - before.y(), tip.x() - before.x());
    const double size = m_state == State::Active || m_state == State::ActiveMissing ? 16 : 11;
    QPolygonF head;
    head << tip << tip - QPointF(std::cos(angle - 0.45) * size, std::sin(angle - 0.45) * size)
         << tip - QPointF(std::cos(angle + 0.45) * size, std::sin(angle + 0.45) * size);
    painter->setPen(Qt::NoPen);
    painter->setBrush(pen.color());
    painter->drawPolygon(head);
}

TokenItem::TokenItem()
{
    setZValue(10);
}

void TokenItem::setLabel(const QString &label, Style style)
{
    prepareGeometryChange();
    m_label = label;
    m_style = style;
    const QFontMetricsF metrics(sceneFont(18, true));
    const double width = std::min(820.0, metrics.horizontalAdvance(m_label) + 40);
    m_pill = QRectF(-width / 2, -20, width, 40);
    update();
}

QRectF TokenItem::boundingRect() const
{
    return m_pill.adjusted(-6, -6, 6, 6);
}

void TokenItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const Theme &theme = currentTheme();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor fill, border, textColour = Qt::white;
    Qt::PenStyle line = Qt::SolidLine;
    switch (m_style) {
    case Style::Captured:
        fill = theme.token;
        break;
    case Style::Provisional:
        fill = theme.provisional;
        line = Qt::DashLine;
        textColour = QColor("#000000");
        break;
    case Style::Synthetic:
        fill = theme.synthetic;
        break;
    case Style::Missing:
        fill = theme.missing;
        break;
    case Style::Expected:
        // Not captured: an outline on the background, never the filled token.
        fill = theme.background;
        border = theme.mutedText;
        textColour = theme.text;
        line = Qt::DashLine;
        break;
    }
    if (!border.isValid())
        border = fill.darker(140);
    if (m_style != Style::Expected) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0, 0, 0, 60));
        painter->drawRoundedRect(m_pill.translated(2, 3), 20, 20);
    }
    painter->setBrush(fill);
    painter->setPen(QPen(border, m_style == Style::Expected ? 2.5 : 1.5, line));
    painter->drawRoundedRect(m_pill, 20, 20);
    painter->setPen(textColour);
    QFont font = sceneFont(18, true);
    font.setItalic(m_style == Style::Expected);
    painter->setFont(font);
    const QFontMetricsF metrics(painter->font());
    painter->drawText(m_pill.adjusted(18, 0, -18, 0), Qt::AlignCenter,
                      metrics.elidedText(m_label, Qt::ElideMiddle, m_pill.width() - 36));
}

CaptionItem::CaptionItem(const QRectF &rect)
    : m_rect(rect)
{}

void CaptionItem::setStep(int number, int total, QString title, StepState state,
                          QString keyEvidence, QString lessonTitle, QString origin)
{
    m_number = number;
    m_total = total;
    m_title = std::move(title);
    m_state = state;
    m_keyEvidence = std::move(keyEvidence);
    m_lessonTitle = std::move(lessonTitle);
    m_origin = std::move(origin);
    update();
}

QString CaptionItem::chipText(StepState state)
{
    switch (state) {
    case StepState::Observed:
        return QStringLiteral("✓ observed");
    case StepState::SeenSoFar:
        return QStringLiteral("… seen so far");
    case StepState::Waiting:
        return QStringLiteral("waiting for evidence");
    case StepState::Missing:
        return QStringLiteral("✗ not observed");
    case StepState::Explained:
        return QStringLiteral("explained, not run");
    case StepState::Synthetic:
        return QStringLiteral("SYNTHETIC, not captured");
    }
    return {};
}

void CaptionItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const Theme &theme = currentTheme();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF area = m_rect.adjusted(24, 12, -24, -10);

    // Status chip, top right: its colour says whether the step was captured.
    const QString chip = chipText(m_state);
    QColor chipColour = theme.mutedText;
    QColor chipInk = Qt::white;
    switch (m_state) {
    case StepState::Observed:
        chipColour = theme.observed;
        break;
    case StepState::SeenSoFar:
        chipColour = theme.provisional;
        chipInk = QColor("#000000");
        break;
    case StepState::Missing:
        chipColour = theme.missing;
        break;
    case StepState::Synthetic:
        chipColour = theme.synthetic;
        break;
    case StepState::Waiting:
    case StepState::Explained:
        break;
    }
    painter->setFont(sceneFont(19, true));
    const double chipWidth = QFontMetricsF(painter->font()).horizontalAdvance(chip) + 34;
    const QRectF chipRect(area.right() - chipWidth, area.top(), chipWidth, 36);
    painter->setPen(Qt::NoPen);
    painter->setBrush(chipColour);
    painter->drawRoundedRect(chipRect, 18, 18);
    painter->setPen(chipInk);
    painter->drawText(chipRect, Qt::AlignCenter, chip);

    // The lesson, and where its evidence comes from; SYNTHETIC is shouted.
    const QRectF headerRect(area.left(), area.top(), area.width() - chipWidth - 24, 30);
    painter->setFont(sceneFont(17));
    painter->setPen(theme.mutedText);
    const QString lesson = m_lessonTitle + QStringLiteral("  ·  ");
    const QFontMetricsF headerMetrics(painter->font());
    const double lessonWidth =
        std::min(headerMetrics.horizontalAdvance(lesson), headerRect.width() * 0.55);
    painter->drawText(QRectF(headerRect.left(), headerRect.top(), lessonWidth, headerRect.height()),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      headerMetrics.elidedText(lesson, Qt::ElideRight, lessonWidth));
    const bool synthetic = m_origin.startsWith(QLatin1String("SYNTHETIC"));
    QFont originFont = sceneFont(17, synthetic);
    painter->setFont(originFont);
    painter->setPen(synthetic ? theme.synthetic : theme.mutedText);
    const QRectF originRect(headerRect.left() + lessonWidth, headerRect.top(),
                            headerRect.width() - lessonWidth, headerRect.height());
    painter->drawText(
        originRect, Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetricsF(originFont).elidedText(m_origin, Qt::ElideRight, originRect.width()));

    if (m_total == 0)
        return;
    painter->setPen(theme.text);
    painter->setFont(sceneFont(32, true));
    const QString title = QStringLiteral("%1 / %2   %3").arg(m_number).arg(m_total).arg(m_title);
    const QFontMetricsF titleMetrics(painter->font());
    painter->drawText(QRectF(area.left(), area.top() + 36, area.width(), 48),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      titleMetrics.elidedText(title, Qt::ElideRight, area.width()));

    if (!m_keyEvidence.isEmpty()) {
        QFont mono = sceneFont(17);
        mono.setFamily(QStringLiteral("monospace"));
        mono.setStyleHint(QFont::Monospace);
        painter->setFont(mono);
        painter->setPen(m_state == StepState::Missing     ? theme.missing
                        : m_state == StepState::Synthetic ? theme.synthetic
                                                          : theme.mutedText);
        const QFontMetricsF metrics(mono);
        painter->drawText(QRectF(area.left(), area.top() + 88, area.width(), 30),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          metrics.elidedText(m_keyEvidence, Qt::ElideRight, area.width()));
    }
}

} // namespace flowlab
