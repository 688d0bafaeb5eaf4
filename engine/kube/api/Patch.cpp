#include "engine/kube/api/Patch.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace flowlab::kube {

Json applyMergePatch(Json target, const Json &patch)
{
    // nlohmann's merge_patch is RFC 7386's MergePatch() as written: a non-object patch
    // replaces, an object turns a non-object target into {} and merges member by member.
    target.merge_patch(patch);
    return target;
}

namespace {

using Tokens = std::vector<std::string>;

// RFC 6901: "" is the whole document; otherwise '/'-separated tokens in which "~1" stands for
// '/' and "~0" for '~'.
Result<Tokens> parsePointer(const std::string &pointer)
{
    Tokens tokens;
    if (pointer.empty())
        return tokens;
    if (pointer.front() != '/')
        return Error("invalid JSON pointer \"" + pointer + "\": must be empty or start with '/'");
    std::string token;
    for (std::size_t i = 1; i <= pointer.size(); ++i) {
        if (i == pointer.size() || pointer[i] == '/') {
            tokens.push_back(std::move(token));
            token.clear();
        } else if (pointer[i] == '~') {
            const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
            if (next != '0' && next != '1')
                return Error("invalid JSON pointer \"" + pointer +
                             "\": '~' must be followed by '0' or '1'");
            token += next == '0' ? '~' : '/';
            ++i;
        } else {
            token += pointer[i];
        }
    }
    return tokens;
}

std::string pointerText(const Tokens &tokens, std::size_t count)
{
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        out += '/';
        for (char c : tokens[i]) {
            if (c == '~')
                out += "~0";
            else if (c == '/')
                out += "~1";
            else
                out += c;
        }
    }
    return out;
}

// An array index token: "0" or digits without a leading zero, naming one of `size` items; or,
// when `appending`, the position one past the end, which "-" also names.
Result<std::size_t> arrayIndex(const std::string &token, std::size_t size, bool appending)
{
    if (token == "-") {
        if (appending)
            return size;
        return Error("\"-\" names no element: it points past the end of the array");
    }
    const bool digits = !token.empty() && std::all_of(token.begin(), token.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || (token.size() > 1 && token.front() == '0'))
        return Error("invalid array index \"" + token + "\"");
    std::size_t index = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
    if (ec != std::errc() || end != token.data() + token.size() || index > size ||
        (index == size && !appending))
        return Error("index " + token + " out of bounds (the array has " + std::to_string(size) +
                     (size == 1 ? " item)" : " items)"));
    return index;
}

// The node the first `count` tokens lead to.
Result<Json *> resolve(Json &document, const Tokens &tokens, std::size_t count)
{
    Json *node = &document;
    for (std::size_t i = 0; i < count; ++i) {
        if (node->is_object()) {
            const auto it = node->find(tokens[i]);
            if (it == node->end())
                return Error("path not found");
            node = &*it;
        } else if (node->is_array()) {
            auto index = arrayIndex(tokens[i], node->size(), false);
            if (!index)
                return index.error();
            node = &(*node)[*index];
        } else {
            return Error(pointerText(tokens, i) + " is neither an object nor an array");
        }
    }
    return node;
}

Status addValue(Json &document, const Tokens &path, Json value)
{
    if (path.empty()) {
        document = std::move(value);
        return success();
    }
    auto parent = resolve(document, path, path.size() - 1);
    if (!parent)
        return parent.error();
    Json &container = **parent;
    const std::string &last = path.back();
    if (container.is_object()) {
        container[last] = std::move(value);
    } else if (container.is_array()) {
        auto index = arrayIndex(last, container.size(), true);
        if (!index)
            return index.error();
        container.insert(container.begin() + std::ptrdiff_t(*index), std::move(value));
    } else {
        return Error(pointerText(path, path.size() - 1) + " is neither an object nor an array");
    }
    return success();
}

Result<Json> removeValue(Json &document, const Tokens &path)
{
    if (path.empty())
        return Error("cannot remove the whole document");
    auto parent = resolve(document, path, path.size() - 1);
    if (!parent)
        return parent.error();
    Json &container = **parent;
    const std::string &last = path.back();
    if (container.is_object()) {
        const auto it = container.find(last);
        if (it == container.end())
            return Error("path not found");
        Json removed = std::move(*it);
        container.erase(it);
        return removed;
    }
    if (container.is_array()) {
        auto index = arrayIndex(last, container.size(), false);
        if (!index)
            return index.error();
        Json removed = std::move(container[*index]);
        container.erase(container.begin() + std::ptrdiff_t(*index));
        return removed;
    }
    return Error(pointerText(path, path.size() - 1) + " is neither an object nor an array");
}

bool isProperPrefix(const Tokens &prefix, const Tokens &path)
{
    return prefix.size() < path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

std::string stringMember(const Json &operation, const char *name)
{
    const auto it = operation.find(name);
    return it != operation.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One operation, applied to `document` in place; the error is the bare reason.
Status applyOperation(Json &document, const Json &operation, const std::string &op)
{
    const auto member = operation.find("path");
    if (member == operation.end() || !member->is_string())
        return Error("missing \"path\"");
    auto path = parsePointer(member->get<std::string>());
    if (!path)
        return path.error();

    const bool needsValue = op == "add" || op == "replace" || op == "test";
    const auto value = operation.find("value");
    if (needsValue && value == operation.end())
        return Error("missing \"value\"");

    if (op == "add")
        return addValue(document, *path, *value);
    if (op == "remove") {
        auto removed = removeValue(document, *path);
        return removed ? success() : Status(removed.error());
    }
    if (op == "replace") {
        auto target = resolve(document, *path, path->size());
        if (!target)
            return target.error();
        **target = *value;
        return success();
    }
    if (op == "test") {
        auto target = resolve(document, *path, path->size());
        if (!target)
            return target.error();
        if (**target != *value)
            return Error("test failed: found " + (*target)->dump() + ", expected " + value->dump());
        return success();
    }

    // move and copy
    const auto fromMember = operation.find("from");
    if (fromMember == operation.end() || !fromMember->is_string())
        return Error("missing \"from\"");
    const std::string fromText = fromMember->get<std::string>();
    auto from = parsePointer(fromText);
    if (!from)
        return from.error();
    auto source = resolve(document, *from, from->size());
    if (!source)
        return source.error().withContext("from " + fromText);
    if (op == "copy")
        return addValue(document, *path, **source);
    if (*from == *path)
        return success();
    if (isProperPrefix(*from, *path))
        return Error("cannot move a value into one of its own children");
    auto moved = removeValue(document, *from);
    if (!moved)
        return moved.error().withContext("from " + fromText);
    return addValue(document, *path, std::move(*moved));
}

} // namespace

Result<Json> applyJsonPatch(Json target, const Json &operations)
{
    if (!operations.is_array())
        return Error("a JSON patch must be a list of operations, not " +
                     std::string(operations.type_name()));
    static const std::vector<std::string> kOperations{"add",  "remove", "replace",
                                                      "move", "copy",   "test"};
    // `target` is our own copy: on any error it is dropped, whatever the operations before the
    // failing one did to it.
    for (std::size_t i = 0; i < operations.size(); ++i) {
        const Json &operation = operations[i];
        const std::string where = "operation " + std::to_string(i);
        if (!operation.is_object())
            return Error(where + ": must be an object, not " + operation.type_name());
        const std::string op = stringMember(operation, "op");
        const std::string path = stringMember(operation, "path");
        // The root's pointer is "", shown quoted so it can be seen.
        std::string label = where + " (" + op;
        if (operation.contains("path"))
            label += " " + (path.empty() ? std::string("\"\"") : path);
        label += ")";
        if (op.empty())
            return Error(where + ": missing \"op\"");
        if (std::find(kOperations.begin(), kOperations.end(), op) == kOperations.end())
            return Error(label + ": unknown operation \"" + op + "\"");
        if (Status applied = applyOperation(target, operation, op); !applied)
            return applied.error().withContext(label);
    }
    return target;
}

} // namespace flowlab::kube
