#pragma once

// Image recipes: resources/images/<name>/recipe.json describes one image as an ordered list of
// layers, each made of files taken from the host, from the recipe folder or from the recipe text,
// plus the container config. The format is documented in resources/images/README.md.

#include "engine/images/RecipeVariables.h"
#include "tracer/base/Result.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

enum class RecipeEntryKind {
    HostFile,   // "copy": a host file, placed at `to`
    Libraries,  // "libraries": the shared-library closure of a host binary, at the same paths
    RecipeFile, // "recipe-file": a file from the recipe folder
    Text,       // "text": a file whose content is written in the recipe
    Directory,  // "dir"
    Symlink,    // "symlink"
};

// The JSON spelling of a kind ("copy", "libraries", ...).
std::string_view recipeEntryKindName(RecipeEntryKind kind);

// One entry of a layer's "files" list. Which fields are meaningful depends on the kind.
struct RecipeEntry
{
    RecipeEntryKind kind = RecipeEntryKind::HostFile;
    // JSON pointer of the entry ("/layers/1/files/0"): build errors point back at the recipe.
    std::string pointer;
    // copy: host path; libraries: host binary ("of"); recipe-file: path inside the recipe folder.
    // copy and libraries may use ${VARIABLES} (RecipeVariables.h).
    std::string from;
    // Image path: "to" for copy/recipe-file/text, "path" for dir/symlink. Absolute and clean.
    std::string path;
    std::string content;          // text
    std::string target;           // symlink target, stored verbatim in the link
    std::optional<unsigned> mode; // permission bits; absent means the kind's default
};

struct RecipeLayer
{
    std::string comment; // becomes the history entry's created_by
    std::string pointer; // "/layers/1"
    std::vector<RecipeEntry> entries;
};

// The subset of Docker's container config that recipes may set. Empty fields are left out of
// the image config, so Docker's defaults apply.
struct ImageConfig
{
    std::optional<std::vector<std::string>> cmd;
    std::optional<std::vector<std::string>> entrypoint;
    std::vector<std::string> env;          // "NAME=value"
    std::vector<std::string> exposedPorts; // "80/tcp"
    std::string workingDir;
    std::map<std::string, std::string> labels;
};

// Docker's spelling of the config ("Cmd", "ExposedPorts": {"80/tcp": {}}, ...).
void to_json(nlohmann::json &json, const ImageConfig &config);

struct ImageRecipe
{
    std::string name;           // the recipe folder's name ("nginx"); names the cache folder
    std::filesystem::path file; // recipe.json as it was given; every message names it
    std::string repository;     // "library/nginx"
    std::string tag;            // "latest"
    std::string description;
    std::vector<RecipeLayer> layers;
    ImageConfig config;

    std::string reference() const { return repository + ":" + tag; }
    std::filesystem::path directory() const { return file.parent_path(); }
};

// Parses recipe text. `file` is only used for messages and to derive the recipe's name and folder.
// Errors read "<file>: /layers/1/files/0/from: missing required key", or for malformed JSON
// "<file>: byte 57: parse error at line 3, column 5: ...".
Result<ImageRecipe> parseRecipe(std::string_view text, const std::filesystem::path &file);

// Reads and parses a recipe.json.
Result<ImageRecipe> loadRecipe(const std::filesystem::path &file);

// The recipe.json files under <resourcesDir>/images/*/, sorted by recipe name.
Result<std::vector<std::string>> listRecipes(const std::filesystem::path &resourcesDir);

} // namespace flowlab
