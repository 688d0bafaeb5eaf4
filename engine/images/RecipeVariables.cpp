#include "engine/images/RecipeVariables.h"

#include <regex>

namespace flowlab {

namespace {

// With no `variables` only the syntax is checked.
Result<std::string> expand(std::string_view text, const RecipeVariables *variables)
{
    static const std::regex namePattern("[A-Z_][A-Z0-9_]*");
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t start = text.find("${", pos);
        if (start == std::string_view::npos) {
            out += text.substr(pos);
            break;
        }
        out += text.substr(pos, start - pos);
        const std::size_t end = text.find('}', start);
        if (end == std::string_view::npos)
            return Error("unterminated ${ in \"" + std::string(text) + "\"");
        const std::string name(text.substr(start + 2, end - start - 2));
        if (!std::regex_match(name, namePattern))
            return Error("\"${" + name + "}\" is not a variable name like ${FLOWLAB_BIN_DIR}");
        pos = end + 1;
        if (!variables)
            continue;
        const auto value = variables->find(name);
        if (value == variables->end()) {
            std::string known;
            for (const auto &[key, unused] : *variables)
                known += (known.empty() ? "" : ", ") + key;
            return Error("${" + name + "} is not defined (defined: " +
                         (known.empty() ? std::string("none") : known) + ")");
        }
        out += value->second;
    }
    return out;
}

} // namespace

Result<std::string> expandRecipeVariables(std::string_view text, const RecipeVariables &variables)
{
    return expand(text, &variables);
}

Status checkRecipeVariableSyntax(std::string_view text)
{
    auto checked = expand(text, nullptr);
    if (!checked)
        return checked.error();
    return success();
}

} // namespace flowlab
