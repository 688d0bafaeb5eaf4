#pragma once

// The lessons this Flowlab knows about: every *.json file in the lesson directories, loaded,
// each with whether it can run on this machine. A file that does not load stays in the
// catalog as broken, with the loader's message (file and JSON pointer), so a teacher sees
// what to fix instead of a lesson that silently went missing. Plain C++, no widgets.

#include "tracer/lesson/Lesson.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flowlab {

enum class LessonAvailability {
    RunsHere,    // its lab is supported here and it has evidence to gather
    ExplainOnly, // it can only be walked through (explain_only, or lab "none")
    NeedsLab,    // it needs a lab this Flowlab does not run (a catalog made for fewer labs)
    Broken,      // the file did not load
};

struct CatalogEntry
{
    std::string path;
    std::optional<Lesson> lesson; // absent when the file did not load
    LessonAvailability availability = LessonAvailability::Broken;
    // Broken: the loader's message. ExplainOnly: why it cannot run. NeedsLab: the lab's name.
    std::string reason;

    bool broken() const { return availability == LessonAvailability::Broken; }
    bool canRun() const { return availability == LessonAvailability::RunsHere; }
    // Any lesson that loaded can be walked through without running it.
    bool canExplain() const { return !broken(); }
    // The lesson's title, or the file name when it did not load.
    std::string displayTitle() const;
    // One short phrase for lists: "runs here", "explain-only", "needs the kube lab",
    // "could not be loaded".
    std::string availabilityLabel() const;
    // A sentence for the details: the label plus its reason.
    std::string availabilityDescription() const;
};

class LessonCatalog
{
public:
    // `supportedLabs`: the lab kinds this engine can bring up, e.g. {"docker"}.
    explicit LessonCatalog(std::set<std::string> supportedLabs = {"docker", "kube"});

    // Where lessons are looked for by default: $FLOWLAB_LESSONS_DIR, or the lessons directory
    // of the source tree this was built from; then the user's own lessons in
    // $XDG_DATA_HOME/flowlab/lessons (~/.local/share/flowlab/lessons) when that exists.
    static std::vector<std::string> defaultDirectories();
    // The lessons directory of the source tree this Flowlab was built from.
    static std::string builtinDirectory();

    // Forgets what was loaded and loads every *.json file of `directories`, in order, each
    // directory's files sorted by name. A directory that cannot be read is reported in
    // problems(); the others are still scanned.
    void scan(const std::vector<std::string> &directories);
    // Scans the same directories again (lessons added, edited or fixed since).
    void rescan() { scan(m_directories); }
    // Loads one more lesson file.
    const CatalogEntry &addFile(const std::string &path);

    const std::vector<CatalogEntry> &entries() const { return m_entries; }
    const CatalogEntry *find(const std::string &path) const;
    const std::vector<std::string> &directories() const { return m_directories; }
    // Directories that could not be scanned, each with why.
    const std::vector<std::string> &problems() const { return m_problems; }
    const std::set<std::string> &supportedLabs() const { return m_supportedLabs; }

    // Whether `lesson` runs here, and why not.
    std::pair<LessonAvailability, std::string> availabilityOf(const Lesson &lesson) const;

private:
    std::set<std::string> m_supportedLabs;
    std::vector<std::string> m_directories;
    std::vector<CatalogEntry> m_entries;
    std::vector<std::string> m_problems;
};

// The rank of a lesson level for ordering: beginner < intermediate < advanced < anything else.
int levelRank(const std::string &level);

} // namespace flowlab
