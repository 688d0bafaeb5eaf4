#include "engine/images/ImageRecipe.h"

#include "tracer/base/JsonReader.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

namespace flowlab {

namespace {

using nlohmann::json;

constexpr std::string_view kEntryKindNames[] = {"copy", "libraries", "recipe-file",
                                                "text", "dir",       "symlink"};

// An image path is absolute and already normal: two spellings of one path would defeat the
// layer builder's duplicate detection.
bool isCleanImagePath(const std::string &path)
{
    if (path.size() < 2 || path.front() != '/' || path.back() == '/')
        return false;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view part(path.data() + start, end - start);
        if (part.empty() || part == "." || part == "..")
            return false;
        start = end + 1;
    }
    return true;
}

// Stores a successful result in `into`; a failure becomes the returned Status.
Status assign(Result<std::string> value, std::string &into)
{
    if (!value)
        return value.error();
    into = std::move(*value);
    return success();
}

// Reads one recipe document. Every error names the file and the JSON pointer of the offending
// value, which is what a lesson author needs to find a typo.
class RecipeReader : public JsonReader
{
public:
    using JsonReader::JsonReader;

    Result<std::string> imagePath(const json &object, const std::string &pointer,
                                  std::string_view key) const
    {
        auto path = requiredString(object, pointer, key);
        if (path && !isCleanImagePath(*path))
            return error(childPointer(pointer, key),
                         "\"" + *path +
                             "\" is not a clean absolute image path (like /etc/nginx/nginx.conf)");
        return path;
    }

    Result<std::optional<unsigned>> mode(const json &object, const std::string &pointer) const
    {
        auto text = optionalString(object, pointer, "mode");
        if (!text)
            return text.error();
        if (!*text)
            return std::optional<unsigned>();
        static const std::regex octal("0?[0-7]{3}|[0-7]{4}");
        if (!std::regex_match(**text, octal))
            return error(childPointer(pointer, "mode"),
                         "\"" + **text + "\" is not an octal mode string like \"0755\"");
        return std::optional<unsigned>(static_cast<unsigned>(std::stoul(**text, nullptr, 8)));
    }

    // A host path: absolute, or starting with a ${VARIABLE} that the builder expands.
    Result<std::string> hostPath(const json &object, const std::string &pointer,
                                 std::string_view key) const;
    Status fillHostFile(const json &value, RecipeEntry &entry) const;
    Status fillRecipeFile(const json &value, RecipeEntry &entry) const;
    Status fillText(const json &value, RecipeEntry &entry) const;

    Result<RecipeEntry> entry(const json &value, const std::string &pointer) const;
    Result<ImageConfig> config(const json &value, const std::string &pointer) const;
    Result<ImageRecipe> recipe(const json &document) const;
};

Result<std::string> RecipeReader::hostPath(const json &object, const std::string &pointer,
                                           std::string_view key) const
{
    auto path = requiredString(object, pointer, key);
    if (!path)
        return path;
    if (!path->starts_with('/') && !path->starts_with("${"))
        return error(childPointer(pointer, key),
                     "host path \"" + *path + "\" must be absolute (or start with ${VARIABLE})");
    // Placeholder syntax is checked now; their values only exist when the image is built.
    if (auto ok = checkRecipeVariableSyntax(*path); !ok)
        return error(childPointer(pointer, key), ok.error().message());
    return path;
}

Status RecipeReader::fillHostFile(const json &value, RecipeEntry &entry) const
{
    auto from = hostPath(value, entry.pointer, "from");
    if (!from)
        return from.error();
    entry.from = *from;
    if (value.contains("to"))
        return assign(imagePath(value, entry.pointer, "to"), entry.path);
    if (isCleanImagePath(entry.from)) {
        entry.path = entry.from; // most host files keep their place in the image
        return success();
    }
    return error(childPointer(entry.pointer, "to"),
                 "missing required key (\"" + entry.from + "\" cannot double as the image path)");
}

Status RecipeReader::fillRecipeFile(const json &value, RecipeEntry &entry) const
{
    auto from = requiredString(value, entry.pointer, "from");
    if (!from)
        return from.error();
    const std::filesystem::path relative(*from);
    const bool escapes = std::any_of(relative.begin(), relative.end(),
                                     [](const auto &part) { return part == ".."; });
    if (relative.is_absolute() || escapes)
        return error(childPointer(entry.pointer, "from"),
                     "\"" + *from + "\" must be a path inside the recipe folder");
    entry.from = *from;
    return assign(imagePath(value, entry.pointer, "to"), entry.path);
}

Status RecipeReader::fillText(const json &value, RecipeEntry &entry) const
{
    auto content = member(value, entry.pointer, "content", true);
    if (!content)
        return content.error();
    const std::string contentPointer = childPointer(entry.pointer, "content");
    if ((*content)->is_string()) {
        entry.content = (*content)->get<std::string>();
    } else {
        // An array of lines reads better in JSON than one string full of \n.
        auto lines = stringArray(**content, contentPointer);
        if (!lines)
            return error(contentPointer,
                         std::string("expected a string or an array of lines, got ") +
                             (*content)->type_name());
        for (const std::string &line : *lines)
            entry.content += line + "\n";
    }
    return assign(imagePath(value, entry.pointer, "to"), entry.path);
}

Result<RecipeEntry> RecipeReader::entry(const json &value, const std::string &pointer) const
{
    if (auto ok = expectType(value, pointer, json::value_t::object, "an object"); !ok)
        return ok.error();
    auto kindName = requiredString(value, pointer, "kind");
    if (!kindName)
        return kindName.error();
    const auto known = std::find(std::begin(kEntryKindNames), std::end(kEntryKindNames), *kindName);
    if (known == std::end(kEntryKindNames))
        return error(childPointer(pointer, "kind"),
                     "unknown entry kind \"" + *kindName +
                         "\" (known: copy, libraries, recipe-file, text, dir, symlink)");

    RecipeEntry entry;
    entry.kind = static_cast<RecipeEntryKind>(known - std::begin(kEntryKindNames));
    entry.pointer = pointer;
    Status filled;
    switch (entry.kind) {
    case RecipeEntryKind::HostFile:
        filled = checkKeys(value, pointer, {"kind", "from", "to", "mode"});
        if (filled)
            filled = fillHostFile(value, entry);
        break;
    case RecipeEntryKind::Libraries:
        filled = checkKeys(value, pointer, {"kind", "of"});
        if (filled)
            filled = assign(hostPath(value, pointer, "of"), entry.from);
        break;
    case RecipeEntryKind::RecipeFile:
        filled = checkKeys(value, pointer, {"kind", "from", "to", "mode"});
        if (filled)
            filled = fillRecipeFile(value, entry);
        break;
    case RecipeEntryKind::Text:
        filled = checkKeys(value, pointer, {"kind", "to", "content", "mode"});
        if (filled)
            filled = fillText(value, entry);
        break;
    case RecipeEntryKind::Directory:
        filled = checkKeys(value, pointer, {"kind", "path", "mode"});
        if (filled)
            filled = assign(imagePath(value, pointer, "path"), entry.path);
        break;
    case RecipeEntryKind::Symlink:
        filled = checkKeys(value, pointer, {"kind", "path", "target"});
        if (filled)
            filled = assign(requiredString(value, pointer, "target"), entry.target);
        if (filled)
            filled = assign(imagePath(value, pointer, "path"), entry.path);
        break;
    }
    if (!filled)
        return filled.error();

    if (entry.kind != RecipeEntryKind::Libraries && entry.kind != RecipeEntryKind::Symlink) {
        auto mode = this->mode(value, pointer);
        if (!mode)
            return mode.error();
        entry.mode = *mode;
    }
    return entry;
}

Result<ImageConfig> RecipeReader::config(const json &value, const std::string &pointer) const
{
    if (auto ok = expectType(value, pointer, json::value_t::object, "an object"); !ok)
        return ok.error();
    if (auto ok = checkKeys(value, pointer,
                            {"Cmd", "Entrypoint", "Env", "ExposedPorts", "WorkingDir", "Labels"});
        !ok)
        return ok.error();

    ImageConfig config;
    for (const auto &[key, target] :
         {std::pair{"Cmd", &config.cmd}, std::pair{"Entrypoint", &config.entrypoint}}) {
        if (!value.contains(key))
            continue;
        auto words = stringArray(value.at(key), childPointer(pointer, key));
        if (!words)
            return words.error();
        *target = std::move(*words);
    }
    if (value.contains("Env")) {
        auto env = stringArray(value.at("Env"), childPointer(pointer, "Env"));
        if (!env)
            return env.error();
        for (std::size_t i = 0; i < env->size(); ++i) {
            if ((*env)[i].find('=') == std::string::npos || (*env)[i].front() == '=')
                return error(childPointer(childPointer(pointer, "Env"), i),
                             "\"" + (*env)[i] + "\" is not NAME=value");
        }
        config.env = std::move(*env);
    }
    if (value.contains("ExposedPorts")) {
        auto ports = stringArray(value.at("ExposedPorts"), childPointer(pointer, "ExposedPorts"));
        if (!ports)
            return ports.error();
        static const std::regex portPattern("([0-9]{1,5})/(tcp|udp|sctp)");
        for (std::size_t i = 0; i < ports->size(); ++i) {
            std::smatch match;
            const std::string &port = (*ports)[i];
            if (!std::regex_match(port, match, portPattern) || std::stoi(match[1]) == 0 ||
                std::stoi(match[1]) > 65535)
                return error(childPointer(childPointer(pointer, "ExposedPorts"), i),
                             "\"" + port + "\" is not a port like \"80/tcp\"");
        }
        config.exposedPorts = std::move(*ports);
    }
    if (value.contains("WorkingDir")) {
        auto dir = requiredString(value, pointer, "WorkingDir");
        if (!dir)
            return dir.error();
        if (!dir->starts_with('/'))
            return error(childPointer(pointer, "WorkingDir"), "must be an absolute path");
        config.workingDir = *dir;
    }
    if (value.contains("Labels")) {
        const json &labels = value.at("Labels");
        const std::string labelsPointer = childPointer(pointer, "Labels");
        if (auto ok = expectType(labels, labelsPointer, json::value_t::object, "an object"); !ok)
            return ok.error();
        for (const auto &[key, text] : labels.items()) {
            if (auto ok = expectType(text, childPointer(labelsPointer, key), json::value_t::string,
                                     "a string");
                !ok)
                return ok.error();
            config.labels[key] = text.get<std::string>();
        }
    }
    return config;
}

Result<ImageRecipe> RecipeReader::recipe(const json &document) const
{
    if (auto ok = expectType(document, "", json::value_t::object, "an object"); !ok)
        return ok.error();
    if (auto ok = checkKeys(document, "", {"repository", "tag", "description", "layers", "config"});
        !ok)
        return ok.error();

    ImageRecipe recipe;
    auto repository = requiredString(document, "", "repository");
    if (!repository)
        return repository.error();
    // The registry's repository grammar (distribution/reference), so a push cannot fail late.
    static const std::regex repositoryPattern(
        "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    if (!std::regex_match(*repository, repositoryPattern))
        return error("/repository",
                     "\"" + *repository + "\" is not a repository name like \"library/nginx\"");
    recipe.repository = *repository;

    auto tag = requiredString(document, "", "tag");
    if (!tag)
        return tag.error();
    static const std::regex tagPattern("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    if (!std::regex_match(*tag, tagPattern))
        return error("/tag", "\"" + *tag + "\" is not a valid tag");
    recipe.tag = *tag;

    auto description = optionalString(document, "", "description");
    if (!description)
        return description.error();
    recipe.description = description->value_or("");

    auto layers = member(document, "", "layers", true);
    if (!layers)
        return layers.error();
    if (auto ok = expectType(**layers, "/layers", json::value_t::array, "an array"); !ok)
        return ok.error();
    if ((*layers)->empty())
        return error("/layers", "an image needs at least one layer");
    for (std::size_t i = 0; i < (*layers)->size(); ++i) {
        const json &layerJson = (**layers)[i];
        RecipeLayer layer;
        layer.pointer = childPointer("/layers", i);
        if (auto ok = expectType(layerJson, layer.pointer, json::value_t::object, "an object"); !ok)
            return ok.error();
        if (auto ok = checkKeys(layerJson, layer.pointer, {"comment", "files"}); !ok)
            return ok.error();
        auto comment = requiredString(layerJson, layer.pointer, "comment");
        if (!comment)
            return comment.error();
        layer.comment = *comment;
        auto files = member(layerJson, layer.pointer, "files", true);
        if (!files)
            return files.error();
        const std::string filesPointer = childPointer(layer.pointer, "files");
        if (auto ok = expectType(**files, filesPointer, json::value_t::array, "an array"); !ok)
            return ok.error();
        if ((*files)->empty())
            return error(filesPointer, "a layer needs at least one entry");
        for (std::size_t j = 0; j < (*files)->size(); ++j) {
            auto entry = this->entry((**files)[j], childPointer(filesPointer, j));
            if (!entry)
                return entry.error();
            layer.entries.push_back(std::move(*entry));
        }
        recipe.layers.push_back(std::move(layer));
    }

    auto config = member(document, "", "config", true);
    if (!config)
        return config.error();
    auto imageConfig = this->config(**config, "/config");
    if (!imageConfig)
        return imageConfig.error();
    recipe.config = std::move(*imageConfig);
    return recipe;
}

} // namespace

std::string_view recipeEntryKindName(RecipeEntryKind kind)
{
    return kEntryKindNames[static_cast<std::size_t>(kind)];
}

void to_json(nlohmann::json &json, const ImageConfig &config)
{
    json = nlohmann::json::object();
    if (config.cmd)
        json["Cmd"] = *config.cmd;
    if (config.entrypoint)
        json["Entrypoint"] = *config.entrypoint;
    if (!config.env.empty())
        json["Env"] = config.env;
    if (!config.exposedPorts.empty()) {
        nlohmann::json ports = nlohmann::json::object();
        for (const std::string &port : config.exposedPorts)
            ports[port] = nlohmann::json::object();
        json["ExposedPorts"] = ports;
    }
    if (!config.workingDir.empty())
        json["WorkingDir"] = config.workingDir;
    if (!config.labels.empty())
        json["Labels"] = config.labels;
}

Result<ImageRecipe> parseRecipe(std::string_view text, const std::filesystem::path &file)
{
    auto document = parseJsonDocument(text, file.string());
    if (!document)
        return document.error();
    auto recipe = RecipeReader(file.string()).recipe(*document);
    if (!recipe)
        return recipe;
    recipe->file = file;
    recipe->name = file.parent_path().filename().string();
    return recipe;
}

Result<ImageRecipe> loadRecipe(const std::filesystem::path &file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error::fromErrno("open " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return Error::fromErrno("read " + file.string());
    return parseRecipe(text.str(), file);
}

Result<std::vector<std::string>> listRecipes(const std::filesystem::path &resourcesDir)
{
    const std::filesystem::path imagesDir = resourcesDir / "images";
    std::error_code ec;
    std::filesystem::directory_iterator it(imagesDir, ec);
    if (ec)
        return Error("listing recipes in " + imagesDir.string() + ": " + ec.message());
    std::vector<std::string> recipes;
    for (const auto &dirEntry : it) {
        const std::filesystem::path recipe = dirEntry.path() / "recipe.json";
        if (dirEntry.is_directory(ec) && std::filesystem::is_regular_file(recipe, ec))
            recipes.push_back(recipe.string());
    }
    std::sort(recipes.begin(), recipes.end());
    return recipes;
}

} // namespace flowlab
