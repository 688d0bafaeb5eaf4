#include "engine/base/LabPaths.h"

#include <cstdlib>

namespace flowlab {

LabPaths LabPaths::fromEnvironment()
{
    LabPaths paths;
    if (const char *dir = std::getenv("FLOWLAB_RUN_DIR"); dir && *dir)
        paths.runDir = dir;
    if (const char *dir = std::getenv("FLOWLAB_LIB_DIR"); dir && *dir)
        paths.libDir = dir;
    if (const char *dir = std::getenv("FLOWLAB_CACHE_DIR"); dir && *dir)
        paths.cacheDir = dir;
    return paths;
}

} // namespace flowlab
