#pragma once

// The app's looks: light, dark, and presenter mode (large type, high contrast) for a
// projector. Views take their colours from the current Theme instead of hard-coding them, so
// that switching theme repaints the diagram, the timeline and the inspector alike.

#include "tracer/model/Event.h"

#include <QColor>
#include <QFont>
#include <QObject>

class QApplication;

namespace flowlab {

struct Theme
{
    enum class Scheme { Light, Dark };
    Scheme scheme = Scheme::Light;
    bool presenter = false; // large type, high contrast

    QColor background;
    QColor text;
    QColor mutedText;
    QColor componentFill;
    QColor componentBorder;
    QColor activeFill; // the component the current step happens in
    QColor activeBorder;
    QColor edge;
    QColor activeEdge;
    QColor token;        // what travels along the active edge
    QColor observed;     // a step with evidence
    QColor missing;      // a step without evidence: drawn red, "not observed"
    QColor provisional;  // live: matched so far, its action still running ("seen so far")
    QColor synthetic;    // made-up evidence, never to pass for captured
    QColor changedField; // highlighted differences, e.g. the DNAT-rewritten address
    QColor laneStripe;   // alternate timeline lanes

    // Point size of ordinary text; presenter mode makes everything larger from this.
    double basePointSize = 11.0;

    static Theme make(Scheme scheme, bool presenter);
    QColor kindColor(EventKind kind) const; // one colour per evidence kind, in every view
    QFont font(double scale = 1.0, bool bold = false) const;
};

// The theme in use. Views read it when they paint and listen for changes.
class ThemeManager : public QObject
{
    Q_OBJECT
public:
    static ThemeManager &instance();
    const Theme &current() const { return m_theme; }
    // Applies to the application palette and font, then tells every view.
    void apply(const Theme &theme);

signals:
    void themeChanged();

private:
    Theme m_theme = Theme::make(Theme::Scheme::Light, false);
};

inline const Theme &currentTheme()
{
    return ThemeManager::instance().current();
}

} // namespace flowlab
