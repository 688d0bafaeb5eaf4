#include "engine/images/RecipeResolver.h"

#include "engine/images/HostFiles.h"

#include <sys/stat.h>

namespace flowlab {

namespace {

Result<struct stat> statRegularFile(const std::string &path)
{
    struct stat st
    {
    };
    if (::stat(path.c_str(), &st) != 0)
        return Error::fromErrno("stat " + path);
    if (!S_ISREG(st.st_mode))
        return Error(path + ": not a regular file");
    return st;
}

// Adds the symlinks and the real file behind a host path, at the same paths in the image.
Status addHostPathWithLinks(LayerBuilder &layer, const std::string &hostPath,
                            const std::string &origin)
{
    auto resolved = resolveHostPath(hostPath);
    if (!resolved)
        return resolved.error();
    for (const HostSymlink &link : resolved->symlinks) {
        LayerEntry entry;
        entry.type = LayerEntry::Type::Symlink;
        entry.path = link.path;
        entry.linkTarget = link.target;
        entry.mode = 0777;
        entry.origin = origin;
        if (auto ok = layer.add(std::move(entry)); !ok)
            return ok;
    }
    auto st = statRegularFile(resolved->realPath);
    if (!st)
        return st.error();
    LayerEntry file;
    file.type = LayerEntry::Type::File;
    file.path = resolved->realPath;
    file.hostSource = resolved->realPath;
    file.mode = st->st_mode & 07777;
    file.origin = origin;
    return layer.add(std::move(file));
}

Result<std::string> expandHostPath(const std::string &text, const RecipeVariables &variables)
{
    auto path = expandRecipeVariables(text, variables);
    if (path && !path->starts_with('/'))
        return Error("\"" + *path + "\" (from \"" + text + "\") is not an absolute host path");
    return path;
}

Status resolveEntry(LayerBuilder &layer, const ImageRecipe &recipe, const RecipeEntry &recipeEntry,
                    const RecipeVariables &variables)
{
    // The caller prefixes the file name; conflicts between entries only need the pointers.
    const std::string &origin = recipeEntry.pointer;
    LayerEntry entry;
    entry.path = recipeEntry.path;
    entry.origin = origin;
    switch (recipeEntry.kind) {
    case RecipeEntryKind::HostFile: {
        auto from = expandHostPath(recipeEntry.from, variables);
        if (!from)
            return from.error();
        auto st = statRegularFile(*from);
        if (!st)
            return st.error();
        entry.type = LayerEntry::Type::File;
        entry.hostSource = *from;
        entry.mode = recipeEntry.mode.value_or(st->st_mode & 07777);
        break;
    }
    case RecipeEntryKind::Libraries: {
        auto binary = expandHostPath(recipeEntry.from, variables);
        if (!binary)
            return binary.error();
        auto libraries = sharedLibraryClosure(*binary);
        if (!libraries)
            return libraries.error();
        for (const std::string &library : *libraries) {
            if (auto ok = addHostPathWithLinks(layer, library,
                                               origin + " (" + library + " for " + *binary + ")");
                !ok)
                return ok;
        }
        return success();
    }
    case RecipeEntryKind::RecipeFile: {
        const std::string source = (recipe.directory() / recipeEntry.from).string();
        auto st = statRegularFile(source);
        if (!st)
            return st.error();
        entry.type = LayerEntry::Type::File;
        entry.hostSource = source;
        // A checkout keeps only the executable bit, and the rest depends on the umask: normalise
        // so the layer digest does not change from one clone to another.
        entry.mode = recipeEntry.mode.value_or((st->st_mode & 0111) ? 0755 : 0644);
        break;
    }
    case RecipeEntryKind::Text:
        entry.type = LayerEntry::Type::File;
        entry.content = recipeEntry.content;
        entry.mode = recipeEntry.mode.value_or(0644);
        break;
    case RecipeEntryKind::Directory:
        entry.type = LayerEntry::Type::Directory;
        entry.mode = recipeEntry.mode.value_or(0755);
        break;
    case RecipeEntryKind::Symlink:
        entry.type = LayerEntry::Type::Symlink;
        entry.linkTarget = recipeEntry.target;
        entry.mode = 0777;
        break;
    }
    return layer.add(std::move(entry));
}

} // namespace

Result<LayerBuilder> resolveRecipeLayer(const ImageRecipe &recipe, const RecipeLayer &layer,
                                        const RecipeVariables &variables)
{
    LayerBuilder builder;
    for (const RecipeEntry &entry : layer.entries) {
        if (auto ok = resolveEntry(builder, recipe, entry, variables); !ok)
            return ok.error().withContext(recipe.file.string() + ": " + entry.pointer);
    }
    return builder;
}

} // namespace flowlab
