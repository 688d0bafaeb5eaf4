#pragma once

// ${NAME} placeholders in recipes' host paths, so a recipe can name files whose location is only
// known at run time, such as programs Flowlab built: "${FLOWLAB_BIN_DIR}/flowlab-pause".

#include "tracer/base/Result.h"

#include <map>
#include <string>
#include <string_view>

namespace flowlab {

// Values for ${NAME}, e.g. {"FLOWLAB_BIN_DIR", "/opt/flowlab/bin"}. Names are [A-Z_][A-Z0-9_]*.
using RecipeVariables = std::map<std::string, std::string>;

// Replaces each ${NAME} with its value. An unknown name lists the defined ones.
Result<std::string> expandRecipeVariables(std::string_view text, const RecipeVariables &variables);

// Checks placeholder syntax only (unterminated "${", bad names), for when a recipe is loaded and
// the values are not known yet.
Status checkRecipeVariableSyntax(std::string_view text);

} // namespace flowlab
