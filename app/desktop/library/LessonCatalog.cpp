#include "app/desktop/library/LessonCatalog.h"

#include "tracer/lesson/LessonLoader.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace flowlab {

namespace fs = std::filesystem;

std::string CatalogEntry::displayTitle() const
{
    if (lesson)
        return lesson->title;
    return fs::path(path).filename().string();
}

std::string CatalogEntry::availabilityLabel() const
{
    switch (availability) {
    case LessonAvailability::RunsHere:
        return "runs here";
    case LessonAvailability::ExplainOnly:
        return "explain-only";
    case LessonAvailability::NeedsLab:
        return "needs the " + reason + " lab";
    case LessonAvailability::Broken:
        return "could not be loaded";
    }
    return {};
}

std::string CatalogEntry::availabilityDescription() const
{
    switch (availability) {
    case LessonAvailability::RunsHere:
        return "Runs here, for real: every step is shown with the evidence this run records.";
    case LessonAvailability::ExplainOnly:
        return "Explain-only: " + reason;
    case LessonAvailability::NeedsLab:
        return "Needs the " + reason +
               " lab, which this Flowlab cannot bring up yet; it can be walked through as an "
               "explanation.";
    case LessonAvailability::Broken:
        return "Could not be loaded: " + reason;
    }
    return {};
}

LessonCatalog::LessonCatalog(std::set<std::string> supportedLabs)
    : m_supportedLabs(std::move(supportedLabs))
{}

std::vector<std::string> LessonCatalog::defaultDirectories()
{
    std::vector<std::string> directories;
    if (const char *dir = std::getenv("FLOWLAB_LESSONS_DIR"); dir && *dir)
        directories.emplace_back(dir);
    else
        directories.emplace_back(FLOWLAB_SOURCE_LESSONS);

    fs::path userData;
    if (const char *xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        userData = xdg;
    else if (const char *home = std::getenv("HOME"); home && *home)
        userData = fs::path(home) / ".local/share";
    if (!userData.empty()) {
        const fs::path userLessons = userData / "flowlab/lessons";
        std::error_code ec;
        if (fs::is_directory(userLessons, ec))
            directories.push_back(userLessons.string());
    }
    return directories;
}

std::string LessonCatalog::builtinDirectory()
{
    return FLOWLAB_SOURCE_LESSONS;
}

std::pair<LessonAvailability, std::string> LessonCatalog::availabilityOf(const Lesson &lesson) const
{
    if (!lesson.explainOnly.empty())
        return {LessonAvailability::ExplainOnly, lesson.explainOnly};
    if (lesson.lab == "none")
        return {LessonAvailability::ExplainOnly, "it needs no lab, so there is nothing to run."};
    if (!m_supportedLabs.count(lesson.lab))
        return {LessonAvailability::NeedsLab, lesson.lab};
    return {LessonAvailability::RunsHere, {}};
}

void LessonCatalog::scan(const std::vector<std::string> &directories)
{
    // Copied first: rescan() passes our own member.
    std::vector<std::string> wanted = directories;
    m_directories = wanted;
    m_entries.clear();
    m_problems.clear();
    for (const std::string &directory : wanted) {
        std::error_code ec;
        fs::directory_iterator it(directory, ec);
        if (ec) {
            m_problems.push_back("reading lesson directory " + directory + ": " + ec.message());
            continue;
        }
        std::vector<std::string> files;
        for (const fs::directory_entry &file : it) {
            if (file.path().extension() == ".json" && !file.is_directory(ec))
                files.push_back(file.path().string());
        }
        std::sort(files.begin(), files.end());
        for (const std::string &file : files)
            addFile(file);
    }
}

const CatalogEntry &LessonCatalog::addFile(const std::string &path)
{
    CatalogEntry entry;
    entry.path = path;
    auto lesson = loadLesson(path);
    if (lesson) {
        std::tie(entry.availability, entry.reason) = availabilityOf(*lesson);
        entry.lesson = std::move(lesson).value();
    } else {
        entry.availability = LessonAvailability::Broken;
        entry.reason = lesson.error().message();
    }
    m_entries.push_back(std::move(entry));
    return m_entries.back();
}

const CatalogEntry *LessonCatalog::find(const std::string &path) const
{
    for (const CatalogEntry &entry : m_entries)
        if (entry.path == path)
            return &entry;
    return nullptr;
}

int levelRank(const std::string &level)
{
    if (level == "beginner")
        return 0;
    if (level == "intermediate")
        return 1;
    if (level == "advanced")
        return 2;
    return 3;
}

} // namespace flowlab
