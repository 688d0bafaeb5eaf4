#include "engine/images/ImageBuilder.h"

#include "engine/images/Digest.h"
#include "engine/images/LayerBuilder.h"
#include "engine/images/RecipeResolver.h"

#include <cerrno>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unistd.h>

namespace flowlab {

namespace {

// Fixed, so the config (and so the image ID) depends only on the recipe. Layer mtimes match it.
constexpr const char *kCreated = "1970-01-01T00:00:00Z";

std::string shortDigest(const std::string &digest)
{
    return digest.substr(0, std::string_view("sha256:").size() + 12) + "…";
}

Result<std::string> readFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error::fromErrno("open " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Write to a temporary name, then rename: a crash never leaves a half-written manifest that
// loadBuiltImage would trust.
Status writeFileAtomically(const std::filesystem::path &path, std::string_view bytes)
{
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            return Error::fromErrno("open " + temp.string());
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out)
            return Error::fromErrno("write " + temp.string());
    }
    if (::rename(temp.c_str(), path.c_str()) != 0)
        return Error::fromErrno("rename " + temp.string() + " to " + path.string());
    return success();
}

// A directory in an upper layer where a lower layer has a symlink would replace the link in the
// overlay (e.g. /lib -> usr/lib), silently hiding every library below it; the reverse hides a
// whole tree. Both are recipe mistakes worth a clear message.
Status
checkAgainstLowerLayers(const LayerBuilder &layer, std::size_t layerIndex,
                        std::map<std::string, std::pair<LayerEntry::Type, std::size_t>> &lower)
{
    for (const auto &[path, entry] : layer.entries()) {
        const auto below = lower.find(path);
        if (below != lower.end()) {
            const auto [type, index] = below->second;
            const bool directoryInvolved =
                type == LayerEntry::Type::Directory || entry.type == LayerEntry::Type::Directory;
            if (type != entry.type && directoryInvolved)
                return Error(path + " (" + entry.origin + ") would replace a " +
                             (type == LayerEntry::Type::Symlink ? "symlink" : "file or directory") +
                             " from layer " + std::to_string(index + 1) +
                             "; use the real path instead");
        }
        lower[path] = {entry.type, layerIndex};
    }
    return success();
}

nlohmann::json configJson(const ImageRecipe &recipe, const std::vector<BuiltImageLayer> &layers)
{
    nlohmann::json diffIds = nlohmann::json::array();
    nlohmann::json history = nlohmann::json::array();
    for (const BuiltImageLayer &layer : layers) {
        diffIds.push_back(layer.diffId);
        history.push_back({{"created", kCreated}, {"created_by", layer.comment}});
    }
    return {{"architecture", "amd64"},
            {"os", "linux"},
            {"created", kCreated},
            {"config", recipe.config},
            {"rootfs", {{"type", "layers"}, {"diff_ids", diffIds}}},
            {"history", history}};
}

// ordered_json keeps the conventional key order (schemaVersion first) for people reading it.
std::string manifestBytes(const std::string &configDigest, std::uint64_t configSize,
                          const std::vector<BuiltImageLayer> &layers)
{
    nlohmann::ordered_json manifest;
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = kManifestMediaType;
    manifest["config"] = {
        {"mediaType", kConfigMediaType}, {"size", configSize}, {"digest", configDigest}};
    manifest["layers"] = nlohmann::ordered_json::array();
    for (const BuiltImageLayer &layer : layers)
        manifest["layers"].push_back(
            {{"mediaType", kLayerMediaType}, {"size", layer.size}, {"digest", layer.digest}});
    return manifest.dump(3);
}

// Removes blobs from earlier builds and staging files left by an interrupted one.
void pruneBlobs(const std::filesystem::path &blobDir, const std::set<std::string> &keep)
{
    std::error_code ec;
    for (const auto &file : std::filesystem::directory_iterator(blobDir, ec)) {
        if (!keep.contains(file.path().filename().string()))
            std::filesystem::remove(file.path(), ec);
    }
}

} // namespace

std::filesystem::path BuiltImage::blobPath(const std::string &digest) const
{
    auto hex = digestHex(digest);
    if (!hex)
        return {};
    return directory / "blobs" / "sha256" / *hex;
}

Result<BuiltImage> buildImage(const ImageRecipe &recipe, const ImageBuildOptions &options,
                              const ProgressFn &progress)
{
    auto report = [&](const std::string &line) {
        if (progress)
            progress(line);
    };
    // Errors already name the recipe file where it matters (with the JSON pointer).
    const std::string what = "building " + recipe.reference();
    report(what + " from " + recipe.file.string());

    BuiltImage image;
    image.name = recipe.name;
    image.repository = recipe.repository;
    image.tag = recipe.tag;
    image.directory = options.cacheDir / recipe.name;
    const std::filesystem::path blobDir = image.directory / "blobs" / "sha256";
    std::set<std::string> keep;
    std::error_code ec;
    std::filesystem::create_directories(blobDir, ec);
    if (ec)
        return Error("mkdir -p " + blobDir.string() + ": " + ec.message()).withContext(what);

    std::map<std::string, std::pair<LayerEntry::Type, std::size_t>> lower;
    for (std::size_t i = 0; i < recipe.layers.size(); ++i) {
        const RecipeLayer &recipeLayer = recipe.layers[i];
        auto layer = resolveRecipeLayer(recipe, recipeLayer, options.variables);
        if (!layer)
            return layer.error().withContext(what);
        if (auto ok = checkAgainstLowerLayers(*layer, i, lower); !ok)
            return ok.error()
                .withContext(recipe.file.string() + ": " + recipeLayer.pointer)
                .withContext(what);
        auto built = layer->write(blobDir);
        if (!built)
            return built.error()
                .withContext(recipe.file.string() + ": " + recipeLayer.pointer)
                .withContext(what);
        image.layers.push_back({built->digest, built->diffId, built->size, recipeLayer.comment});
        keep.insert(built->blobPath.filename().string());
        report("layer " + std::to_string(i + 1) + "/" + std::to_string(recipe.layers.size()) +
               " (" + recipeLayer.comment + "): " + humanSize(built->size) + " " +
               shortDigest(built->digest));
    }

    const std::string config = configJson(recipe, image.layers).dump();
    image.configDigest = sha256Digest(config);
    image.configSize = config.size();
    const std::filesystem::path configPath = image.blobPath(image.configDigest);
    if (auto ok = writeFileAtomically(configPath, config); !ok)
        return ok.error().withContext(what);
    keep.insert(configPath.filename().string());
    report("config: " + humanSize(image.configSize) + " " + shortDigest(image.configDigest));

    image.manifest = manifestBytes(image.configDigest, image.configSize, image.layers);
    image.manifestDigest = sha256Digest(image.manifest);
    if (auto ok = writeFileAtomically(image.directory / "manifest.json", image.manifest); !ok)
        return ok.error().withContext(what);
    const nlohmann::json index = {{"name", image.name},
                                  {"repository", image.repository},
                                  {"tag", image.tag},
                                  {"manifestDigest", image.manifestDigest},
                                  {"configDigest", image.configDigest},
                                  {"recipe", recipe.file.string()}};
    if (auto ok = writeFileAtomically(image.directory / "image.json", index.dump(2) + "\n"); !ok)
        return ok.error().withContext(what);
    pruneBlobs(blobDir, keep);
    report(recipe.reference() + ": manifest " + image.manifestDigest);
    return image;
}

Result<std::vector<BuiltImage>> buildAllRecipes(const std::filesystem::path &resourcesDir,
                                                const ImageBuildOptions &options,
                                                const ProgressFn &progress)
{
    auto recipes = listRecipes(resourcesDir);
    if (!recipes)
        return recipes.error();
    std::vector<BuiltImage> images;
    for (const std::string &file : *recipes) {
        auto recipe = loadRecipe(file);
        if (!recipe)
            return recipe.error();
        auto image = buildImage(*recipe, options, progress);
        if (!image)
            return image.error();
        images.push_back(std::move(*image));
    }
    return images;
}

Result<BuiltImage> loadBuiltImage(const std::filesystem::path &imageDir)
{
    const std::string what = "loading built image " + imageDir.string();
    BuiltImage image;
    image.directory = imageDir;
    try {
        auto indexText = readFile(imageDir / "image.json");
        if (!indexText)
            return indexText.error().withContext(what);
        const auto index = nlohmann::json::parse(*indexText);
        image.name = index.at("name").get<std::string>();
        image.repository = index.at("repository").get<std::string>();
        image.tag = index.at("tag").get<std::string>();
        image.manifestDigest = index.at("manifestDigest").get<std::string>();

        auto manifest = readFile(imageDir / "manifest.json");
        if (!manifest)
            return manifest.error().withContext(what);
        image.manifest = std::move(*manifest);
        if (sha256Digest(image.manifest) != image.manifestDigest)
            return Error(what + ": manifest.json does not match the digest in image.json " +
                         image.manifestDigest);
        const auto manifestJson = nlohmann::json::parse(image.manifest);
        image.configDigest = manifestJson.at("config").at("digest").get<std::string>();
        image.configSize = manifestJson.at("config").at("size").get<std::uint64_t>();

        auto config = readFile(image.blobPath(image.configDigest));
        if (!config)
            return config.error().withContext(what);
        const auto configJson = nlohmann::json::parse(*config);
        const auto &diffIds = configJson.at("rootfs").at("diff_ids");
        const auto &history = configJson.at("history");
        const auto &layers = manifestJson.at("layers");
        if (diffIds.size() != layers.size() || history.size() != layers.size())
            return Error(what + ": manifest lists " + std::to_string(layers.size()) +
                         " layers but the config has " + std::to_string(diffIds.size()) +
                         " diff_ids and " + std::to_string(history.size()) + " history entries");
        for (std::size_t i = 0; i < layers.size(); ++i) {
            image.layers.push_back({layers[i].at("digest").get<std::string>(),
                                    diffIds[i].get<std::string>(),
                                    layers[i].at("size").get<std::uint64_t>(),
                                    history[i].value("created_by", std::string())});
        }
    } catch (const nlohmann::json::exception &e) {
        return Error(what + ": " + e.what());
    }

    // Sizes, not digests: re-hashing every blob on each push would cost more than it protects,
    // and the registry verifies each digest on upload anyway.
    std::vector<std::pair<std::string, std::uint64_t>> blobs{
        {image.configDigest, image.configSize}};
    for (const BuiltImageLayer &layer : image.layers)
        blobs.emplace_back(layer.digest, layer.size);
    for (const auto &[digest, size] : blobs) {
        const std::filesystem::path path = image.blobPath(digest);
        std::error_code ec;
        const auto actual = path.empty() ? 0 : std::filesystem::file_size(path, ec);
        if (path.empty() || ec || actual != size)
            return Error(what + ": blob " + digest + " is missing or has the wrong size");
    }
    return image;
}

RecipeVariables defaultRecipeVariables()
{
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    // Left undefined rather than empty: "${FLOWLAB_BIN_DIR} is not defined" beats "/flowlab-pause:
    // No such file or directory".
    if (ec)
        return {};
    return {{"FLOWLAB_BIN_DIR", exe.parent_path().string()}};
}

} // namespace flowlab
