#pragma once

// Recipe -> Docker image (manifest v2 schema 2) in a cache folder, ready to push.
//
// Layout of one built image:
//   <cache>/<name>/blobs/sha256/<hex>   layers (.tar.gz) and the config JSON
//   <cache>/<name>/manifest.json        the manifest, byte for byte as it is pushed
//   <cache>/<name>/image.json           {name, repository, tag, manifestDigest, configDigest,
//   recipe}

#include "engine/images/ImageRecipe.h"
#include "tracer/base/Progress.h"
#include "tracer/base/Result.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace flowlab {

inline constexpr const char *kManifestMediaType =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char *kConfigMediaType = "application/vnd.docker.container.image.v1+json";
inline constexpr const char *kLayerMediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip";

struct BuiltImageLayer
{
    std::string digest; // of the .tar.gz blob
    std::string diffId; // of the uncompressed tar
    std::uint64_t size = 0;
    std::string comment; // the recipe layer's comment, also the history's created_by
};

struct BuiltImage
{
    std::string name;                // recipe name, e.g. "nginx"
    std::string repository;          // "library/nginx"
    std::string tag;                 // "latest"
    std::filesystem::path directory; // <cache>/<name>
    std::string manifestDigest;
    std::string manifest; // exact bytes; their sha256 is manifestDigest
    std::string configDigest;
    std::uint64_t configSize = 0;
    std::vector<BuiltImageLayer> layers;

    std::string reference() const { return repository + ":" + tag; }
    // <directory>/blobs/sha256/<hex>; empty for a malformed digest.
    std::filesystem::path blobPath(const std::string &digest) const;
};

struct ImageBuildOptions
{
    std::filesystem::path cacheDir;
    // Values for ${NAME} in recipes' host paths; see defaultRecipeVariables().
    RecipeVariables variables;
};

// Builds one recipe into <cacheDir>/<recipe.name>, replacing what was there; blobs no longer
// referenced are removed. Same recipe and same host files give the same digests.
Result<BuiltImage> buildImage(const ImageRecipe &recipe, const ImageBuildOptions &options,
                              const ProgressFn &progress = {});

// Every recipe under <resourcesDir>/images, in name order; stops at the first failure.
Result<std::vector<BuiltImage>> buildAllRecipes(const std::filesystem::path &resourcesDir,
                                                const ImageBuildOptions &options,
                                                const ProgressFn &progress = {});

// Reads a previously built image back from <cacheDir>/<name>, checking the manifest digest and
// that every blob is present with its recorded size. Pushing needs no rebuild.
Result<BuiltImage> loadBuiltImage(const std::filesystem::path &imageDir);

// FLOWLAB_BIN_DIR = the folder of the running executable: flowlabd, the CLI and flowlab-pause are
// built and installed side by side (CMAKE_RUNTIME_OUTPUT_DIRECTORY).
RecipeVariables defaultRecipeVariables();

} // namespace flowlab
