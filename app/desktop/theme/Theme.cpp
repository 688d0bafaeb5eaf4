#include "app/desktop/theme/Theme.h"

#include <QApplication>
#include <QPalette>

namespace flowlab {

Theme Theme::make(Scheme scheme, bool presenter)
{
    Theme t;
    t.scheme = scheme;
    t.presenter = presenter;
    t.basePointSize = presenter ? 18.0 : 11.0;
    const bool dark = scheme == Scheme::Dark;
    if (!dark) {
        t.background = presenter ? QColor("#ffffff") : QColor("#f7f8fa");
        t.text = presenter ? QColor("#000000") : QColor("#1d2330");
        t.mutedText = presenter ? QColor("#333333") : QColor("#5d6675");
        t.componentFill = QColor("#ffffff");
        t.componentBorder = presenter ? QColor("#000000") : QColor("#9aa4b5");
        t.activeFill = QColor("#dcebff");
        t.activeBorder = QColor("#0a5bd3");
        t.edge = presenter ? QColor("#555555") : QColor("#b4bcc9");
        t.activeEdge = QColor("#0a5bd3");
        t.token = QColor("#e07000");
        t.observed = QColor("#1a7f37");
        t.missing = QColor("#cf222e");
        t.provisional = QColor("#f2c14e");
        t.synthetic = QColor("#8250df");
        t.changedField = QColor("#ffe08a");
        t.laneStripe = QColor("#eef1f5");
    } else {
        t.background = presenter ? QColor("#000000") : QColor("#1b1e24");
        t.text = presenter ? QColor("#ffffff") : QColor("#e6e9ef");
        t.mutedText = presenter ? QColor("#dddddd") : QColor("#9aa3b2");
        t.componentFill = presenter ? QColor("#111111") : QColor("#262a33");
        t.componentBorder = presenter ? QColor("#ffffff") : QColor("#5a6372");
        t.activeFill = QColor("#103a70");
        t.activeBorder = QColor("#5aa2ff");
        t.edge = presenter ? QColor("#bbbbbb") : QColor("#4a5260");
        t.activeEdge = QColor("#5aa2ff");
        t.token = QColor("#ffa94d");
        t.observed = QColor("#4ac26b");
        t.missing = QColor("#ff6b6b");
        t.provisional = QColor("#e3b341");
        t.synthetic = QColor("#b083f0");
        t.changedField = QColor("#7a5c00");
        t.laneStripe = presenter ? QColor("#0c0c0c") : QColor("#21252c");
    }
    return t;
}

QColor Theme::kindColor(EventKind kind) const
{
    const bool dark = scheme == Scheme::Dark;
    switch (kind) {
    case EventKind::Command:
        return dark ? QColor("#c9d1d9") : QColor("#24292f");
    case EventKind::Api:
        return dark ? QColor("#79c0ff") : QColor("#0969da");
    case EventKind::Audit:
        return dark ? QColor("#a5d6ff") : QColor("#218bff");
    case EventKind::Grpc:
        return dark ? QColor("#d2a8ff") : QColor("#8250df");
    case EventKind::Store:
        return dark ? QColor("#ffa657") : QColor("#bc4c00");
    case EventKind::Reconcile:
        return dark ? QColor("#7ee787") : QColor("#1a7f37");
    case EventKind::Schedule:
        return dark ? QColor("#56d364") : QColor("#116329");
    case EventKind::Process:
        return dark ? QColor("#f2cc60") : QColor("#9a6700");
    case EventKind::Syscall:
        return dark ? QColor("#e3b341") : QColor("#7d4e00");
    case EventKind::Netlink:
        return dark ? QColor("#39c5cf") : QColor("#1b7c83");
    case EventKind::Rule:
        return dark ? QColor("#ff7b72") : QColor("#a40e26");
    case EventKind::Packet:
        return dark ? QColor("#58a6ff") : QColor("#0550ae");
    case EventKind::Conntrack:
        return dark ? QColor("#f778ba") : QColor("#bf3989");
    case EventKind::Dns:
        return dark ? QColor("#a371f7") : QColor("#6639ba");
    case EventKind::Log:
        return dark ? QColor("#8b949e") : QColor("#6e7781");
    }
    return text;
}

QFont Theme::font(double scale, bool bold) const
{
    QFont f = QApplication::font();
    f.setPointSizeF(basePointSize * scale);
    f.setBold(bold);
    return f;
}

ThemeManager &ThemeManager::instance()
{
    static ThemeManager manager;
    return manager;
}

void ThemeManager::apply(const Theme &theme)
{
    m_theme = theme;
    if (qobject_cast<QApplication *>(QCoreApplication::instance())) {
        QPalette palette;
        palette.setColor(QPalette::Window, theme.background);
        palette.setColor(QPalette::WindowText, theme.text);
        palette.setColor(QPalette::Base, theme.componentFill);
        palette.setColor(QPalette::AlternateBase, theme.laneStripe);
        palette.setColor(QPalette::Text, theme.text);
        palette.setColor(QPalette::Button, theme.componentFill);
        palette.setColor(QPalette::ButtonText, theme.text);
        palette.setColor(QPalette::Highlight, theme.activeBorder);
        palette.setColor(QPalette::HighlightedText, QColor("#ffffff"));
        palette.setColor(QPalette::PlaceholderText, theme.mutedText);
        palette.setColor(QPalette::ToolTipBase, theme.componentFill);
        palette.setColor(QPalette::ToolTipText, theme.text);
        QApplication::setPalette(palette);
        QFont font = QApplication::font();
        font.setPointSizeF(theme.basePointSize);
        QApplication::setFont(font);
    }
    emit themeChanged();
}

} // namespace flowlab
