#pragma once

// Turns a recipe layer into concrete layer entries by reading the host and the recipe folder.

#include "engine/images/ImageRecipe.h"
#include "engine/images/LayerBuilder.h"
#include "tracer/base/Result.h"

namespace flowlab {

// Expands ${VARIABLES}, stats host files, resolves library closures and symlink chains. Errors
// name the recipe file and the entry's JSON pointer: "<file>: /layers/0/files/1: lstat ...".
Result<LayerBuilder> resolveRecipeLayer(const ImageRecipe &recipe, const RecipeLayer &layer,
                                        const RecipeVariables &variables);

} // namespace flowlab
