// The daemon's image work: build recipes into the cache, and push cached images to the lab
// registry from inside the lab (the registry is not reachable from the host).

#include "engine/daemon/EngineApi.h"
#include "engine/images/ImageBuilder.h"
#include "engine/images/ImageRecipe.h"
#include "engine/images/RegistryClient.h"
#include "engine/registry/LabRegistry.h"
#include "engine/sys/NetnsThread.h"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace flowlab {

namespace {

fs::path resourcesDir()
{
    if (const char *dir = std::getenv("FLOWLAB_RESOURCES"); dir && *dir)
        return dir;
    return FLOWLAB_SOURCE_RESOURCES;
}

Result<PushReport> pushFromLab(const BuiltImage &image, const ProgressFn &progress)
{
    Result<PushReport> report = Error("not pushed");
    const Status entered = runInNetns(kClientNetns, [&] {
        auto client = RegistryClient::create(LabRegistry(LabPaths{}).url());
        if (!client) {
            report = client.error();
            return;
        }
        report = client->push(image, progress);
    });
    if (!entered)
        return entered.error();
    return report;
}

} // namespace

Result<nlohmann::json> EngineApi::buildImages(const nlohmann::json &params,
                                              const ProgressFn &progress)
{
    auto recipes = listRecipes(resourcesDir());
    if (!recipes)
        return recipes.error();
    std::map<std::string, std::string> recipeByName;
    std::string available;
    for (const auto &path : *recipes) {
        const std::string name = fs::path(path).parent_path().filename();
        recipeByName[name] = path;
        available += (available.empty() ? "" : ", ") + name;
    }
    std::vector<std::string> names = params.value("names", std::vector<std::string>{});
    if (names.empty())
        for (const auto &[name, path] : recipeByName)
            names.push_back(name);

    const bool rebuild = params.value("rebuild", false);
    const bool labUp = bool(m_lab.requireUp());
    ImageBuildOptions options{.cacheDir = m_paths.imageCache(),
                              .variables = defaultRecipeVariables()};
    nlohmann::json images = nlohmann::json::array();
    for (const auto &name : names) {
        const auto recipe = recipeByName.find(name);
        if (recipe == recipeByName.end())
            return Error("no image recipe named \"" + name + "\" (available: " + available + ")");
        Result<BuiltImage> image = Error("not built");
        if (!rebuild)
            image = loadBuiltImage(options.cacheDir / name);
        if (image) {
            progress(name + ": cached " + image->manifestDigest);
        } else {
            progress("building " + name + " from " + recipe->second);
            auto loaded = loadRecipe(recipe->second);
            if (!loaded)
                return loaded.error();
            image = buildImage(*loaded, options, progress);
            if (!image)
                return image.error().withContext("building image " + name);
        }
        bool pushed = false;
        if (labUp) {
            auto report = pushFromLab(*image, progress);
            if (!report)
                return report.error().withContext("pushing " + image->reference());
            progress("pushed " + report->reference + " (" + std::to_string(report->blobsUploaded) +
                     " blobs uploaded, " + std::to_string(report->blobsSkipped) +
                     " already there)");
            pushed = true;
        }
        images.push_back({{"name", name},
                          {"reference", image->reference()},
                          {"digest", image->manifestDigest},
                          {"layers", image->layers.size()},
                          {"pushed", pushed}});
    }
    return nlohmann::json{{"images", images}};
}

Status EngineApi::pushCachedImages(const ProgressFn &progress)
{
    std::error_code ec;
    if (!fs::is_directory(m_paths.imageCache(), ec))
        return success();
    for (const auto &entry : fs::directory_iterator(m_paths.imageCache(), ec)) {
        auto image = loadBuiltImage(entry.path());
        if (!image) {
            progress("skipping cached image " + entry.path().string() + ": " +
                     image.error().message());
            continue;
        }
        auto report = pushFromLab(*image, {});
        if (!report)
            return report.error().withContext("pushing cached image " + image->reference());
        progress("registry has " + report->reference);
    }
    return success();
}

} // namespace flowlab
