// The rules every kind shares: k8s.io/apimachinery/pkg/util/validation (names, labels,
// annotations, ports, config keys) and api/validation (ObjectMeta, label selectors, immutable
// fields), with their messages word for word: learners read them in kubectl's output.

#include "engine/kube/api/AdmissionRules.h"
#include "engine/kube/api/JsonFields.h"

#include <algorithm>
#include <cctype>

namespace flowlab::kube::admission {

namespace {

using fields::get;
using fields::items;
using fields::string;

bool lowerAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool alnum(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool isLabelShape(std::string_view value)
{
    if (value.empty() || !lowerAlnum(value.front()) || !lowerAlnum(value.back()))
        return false;
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return lowerAlnum(c) || c == '-'; });
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool isQualifiedShape(std::string_view value)
{
    if (value.empty() || !alnum(value.front()) || !alnum(value.back()))
        return false;
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::string maxLenError(std::size_t length)
{
    return "must be no more than " + std::to_string(length) + " characters";
}

// RegexError: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')". The double
// space is Go's: each example ends with ", " and the next starts with " or ".
std::string regexError(const std::string &message, const std::string &format,
                       std::initializer_list<const char *> examples)
{
    std::string out = message;
    if (examples.size() == 0)
        return out + " (regex used for validation is '" + format + "')";
    out += " (e.g. ";
    bool first = true;
    for (const char *example : examples) {
        out += std::string(first ? "" : " or ") + "'" + example + "', ";
        first = false;
    }
    return out + "regex used for validation is '" + format + "')";
}

const std::string kDns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const std::string kQualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const std::string kQualifiedNameMessage =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";

std::vector<std::string> prefixed(const std::string &prefix, std::vector<std::string> messages)
{
    for (auto &message : messages)
        message = prefix + message;
    return messages;
}

} // namespace

std::vector<std::string> isDns1123Label(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > 63)
        errors.push_back(maxLenError(63));
    if (!isLabelShape(value))
        errors.push_back(regexError("a lowercase RFC 1123 label must consist of lower case "
                                    "alphanumeric characters or '-', and must start and end "
                                    "with an alphanumeric character",
                                    kDns1123LabelFormat, {"my-name", "123-abc"}));
    return errors;
}

std::vector<std::string> isDns1123Subdomain(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > 253)
        errors.push_back(maxLenError(253));
    bool shaped = !value.empty();
    for (std::size_t start = 0; shaped && start <= value.size();) {
        const std::size_t dot = value.find('.', start);
        const std::size_t end = dot == std::string_view::npos ? value.size() : dot;
        shaped = isLabelShape(value.substr(start, end - start));
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    if (!shaped)
        errors.push_back(regexError(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character",
            kDns1123LabelFormat + "(\\." + kDns1123LabelFormat + ")*", {"example.com"}));
    return errors;
}

std::vector<std::string> isDns1035Label(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > 63)
        errors.push_back(maxLenError(63));
    if (!isLabelShape(value) || !(value.front() >= 'a' && value.front() <= 'z'))
        errors.push_back(regexError("a DNS-1035 label must consist of lower case alphanumeric "
                                    "characters or '-', start with an alphabetic character, "
                                    "and end with an alphanumeric character",
                                    "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
    return errors;
}

std::vector<std::string> isValidPathSegmentName(std::string_view value)
{
    for (const char *illegal : {".", ".."}) {
        if (value == illegal)
            return {std::string("may not be '") + illegal + "'"};
    }
    std::vector<std::string> errors;
    for (const char *illegal : {"/", "%"}) {
        if (value.find(illegal) != std::string_view::npos)
            errors.push_back(std::string("may not contain '") + illegal + "'");
    }
    return errors;
}

std::vector<std::string> isQualifiedName(std::string_view value)
{
    std::vector<std::string> errors;
    std::string_view name = value;
    const auto slashes = std::count(value.begin(), value.end(), '/');
    if (slashes > 1) {
        return {"a qualified name " +
                regexError(kQualifiedNameMessage, kQualifiedNameFormat,
                           {"MyName", "my.name", "123-abc"}) +
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    if (slashes == 1) {
        const std::string_view prefix = value.substr(0, value.find('/'));
        name = value.substr(value.find('/') + 1);
        if (prefix.empty()) {
            errors.push_back("prefix part must be non-empty");
        } else {
            for (auto &message : prefixed("prefix part ", isDns1123Subdomain(prefix)))
                errors.push_back(std::move(message));
        }
    }
    if (name.empty())
        errors.push_back("name part must be non-empty");
    else if (name.size() > 63)
        errors.push_back("name part " + maxLenError(63));
    if (!isQualifiedShape(name))
        errors.push_back("name part " + regexError(kQualifiedNameMessage, kQualifiedNameFormat,
                                                   {"MyName", "my.name", "123-abc"}));
    return errors;
}

std::vector<std::string> isValidLabelValue(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > 63)
        errors.push_back(maxLenError(63));
    if (!value.empty() && !isQualifiedShape(value))
        errors.push_back(regexError("a valid label must be an empty string or consist of "
                                    "alphanumeric characters, '-', '_' or '.', and must start "
                                    "and end with an alphanumeric character",
                                    "(" + kQualifiedNameFormat + ")?",
                                    {"MyValue", "my_value", "12345"}));
    return errors;
}

std::vector<std::string> isValidPortName(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > 15)
        errors.push_back(maxLenError(15));
    if (value.empty() ||
        !std::all_of(value.begin(), value.end(), [](char c) { return lowerAlnum(c) || c == '-'; }))
        errors.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    if (std::none_of(value.begin(), value.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
        errors.push_back("must contain at least one letter (a-z)");
    if (value.find("--") != std::string_view::npos)
        errors.push_back("must not contain consecutive hyphens");
    if (!value.empty() && (value.front() == '-' || value.back() == '-'))
        errors.push_back("must not begin or end with a hyphen");
    return errors;
}

std::vector<std::string> isValidPortNum(std::int64_t port)
{
    if (port >= 1 && port <= 65535)
        return {};
    return {"must be between 1 and 65535, inclusive"};
}

std::vector<std::string> isConfigMapKey(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > 253)
        errors.push_back(maxLenError(253));
    if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) {
            return alnum(c) || c == '-' || c == '_' || c == '.';
        }))
        errors.push_back(regexError(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
    if (value == ".")
        errors.push_back("must not be '.'");
    else if (value == "..")
        errors.push_back("must not be '..'");
    else if (value.starts_with(".."))
        errors.push_back("must not start with '..'");
    return errors;
}

NameRule nameRuleFor(const ResourceInfo &resource)
{
    if (resource.group.empty() && resource.kind == "Namespace")
        return isDns1123Label;
    if (resource.group.empty() && resource.kind == "Service")
        return isDns1035Label;
    if (resource.group == "apps" && resource.kind == "StatefulSet")
        return isDns1123Label; // its pods are named <name>-<ordinal>, and host names
    if (resource.group == "rbac.authorization.k8s.io")
        return isValidPathSegmentName;
    return isDns1123Subdomain;
}

void invalidEach(FieldErrors &errors, const FieldPath &path, const Json &value,
                 const std::vector<std::string> &messages)
{
    for (const auto &message : messages)
        errors.push_back(FieldError::invalid(path.str(), value, message));
}

void validateLabels(const Json &labels, const FieldPath &path, FieldErrors &errors)
{
    if (!labels.is_object())
        return;
    for (const auto &[key, value] : labels.items()) {
        invalidEach(errors, path, key, isQualifiedName(key));
        invalidEach(errors, path, value, isValidLabelValue(string(value)));
    }
}

void validateAnnotations(const Json &annotations, const FieldPath &path, FieldErrors &errors)
{
    if (!annotations.is_object())
        return;
    std::size_t total = 0;
    for (const auto &[key, value] : annotations.items()) {
        // Qualified names, except that case does not matter.
        std::string lower = key;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        invalidEach(errors, path, key, isQualifiedName(lower));
        total += key.size() + string(value).size();
    }
    constexpr std::size_t kTotalAnnotationSizeLimit = 256 * 1024;
    if (total > kTotalAnnotationSizeLimit) {
        FieldError error;
        error.type = FieldError::Type::TooLong;
        error.field = path.str();
        error.detail =
            "may not be more than " + std::to_string(kTotalAnnotationSizeLimit) + " bytes";
        errors.push_back(std::move(error));
    }
}

void validateObjectMeta(const Json &metadata, bool namespaced, const FieldPath &path,
                        FieldErrors &errors)
{
    const Json &ns = get(metadata, "namespace");
    if (namespaced) {
        if (string(ns).empty())
            errors.push_back(FieldError::required(path.child("namespace").str()));
        else
            invalidEach(errors, path.child("namespace"), ns, isDns1123Label(string(ns)));
    } else if (!string(ns).empty()) {
        errors.push_back(
            FieldError::forbidden(path.child("namespace").str(), "not allowed on this type"));
    }
    validateNonnegative(get(metadata, "generation"), path.child("generation"), errors);
    validateLabels(get(metadata, "labels"), path.child("labels"), errors);
    validateAnnotations(get(metadata, "annotations"), path.child("annotations"), errors);
}

void validateObjectMetaUpdate(const Json &metadata, const Json &oldMetadata, const FieldPath &path,
                              FieldErrors &errors)
{
    for (const char *key : {"name", "namespace"})
        validateImmutable(get(metadata, key), get(oldMetadata, key), path.child(key), errors);
}

void validateLabelSelector(const Json &selector, const FieldPath &path, FieldErrors &errors)
{
    if (!selector.is_object())
        return;
    validateLabels(get(selector, "matchLabels"), path.child("matchLabels"), errors);
    const Json &expressions = items(get(selector, "matchExpressions"));
    for (std::size_t i = 0; i < expressions.size(); ++i) {
        const Json &expression = expressions[i];
        const FieldPath at = path.child("matchExpressions").index(i);
        const Json &op = get(expression, "operator");
        const std::size_t values = fields::size(get(expression, "values"));
        if (string(op) == "In" || string(op) == "NotIn") {
            if (values == 0)
                errors.push_back(
                    FieldError::required(at.child("values").str(),
                                         "must be specified when `operator` is 'In' or 'NotIn'"));
        } else if (string(op) == "Exists" || string(op) == "DoesNotExist") {
            if (values > 0)
                errors.push_back(FieldError::forbidden(
                    at.child("values").str(),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        } else {
            errors.push_back(FieldError::invalid(at.child("operator").str(), op,
                                                 "not a valid selector operator"));
        }
        const Json &key = get(expression, "key");
        invalidEach(errors, at.child("key"), key, isQualifiedName(string(key)));
        const Json &valueList = items(get(expression, "values"));
        for (std::size_t v = 0; v < valueList.size(); ++v)
            invalidEach(errors, at.child("values").index(v), valueList[v],
                        isValidLabelValue(string(valueList[v])));
    }
}

void validateNonnegative(const Json &value, const FieldPath &path, FieldErrors &errors)
{
    if (value.is_number_integer() && value.get<std::int64_t>() < 0)
        errors.push_back(
            FieldError::invalid(path.str(), value, "must be greater than or equal to 0"));
}

void validateImmutable(const Json &value, const Json &oldValue, const FieldPath &path,
                       FieldErrors &errors)
{
    if (semantic(value) != semantic(oldValue))
        errors.push_back(FieldError::invalid(path.str(), value, "field is immutable"));
}

Json semantic(const Json &value)
{
    if (value.is_object()) {
        Json out = Json::object();
        for (const auto &[key, item] : value.items()) {
            Json child = semantic(item);
            if (!child.is_null())
                out[key] = std::move(child);
        }
        return out.empty() ? Json() : out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (const Json &item : value)
            out.push_back(semantic(item));
        return out.empty() ? Json() : out;
    }
    const bool zero = (value.is_string() && value.get_ref<const std::string &>().empty()) ||
                      (value.is_boolean() && !value.get<bool>()) ||
                      (value.is_number() && value == 0);
    return zero ? Json() : value;
}

bool selectorEmpty(const Json &selector)
{
    return fields::size(get(selector, "matchLabels")) == 0 &&
           fields::size(get(selector, "matchExpressions")) == 0;
}

bool selectorMatches(const Json &selector, const Json &labels)
{
    if (!selector.is_object())
        return false;
    const auto label = [&](const std::string &key) -> const Json & { return get(labels, key); };
    for (const auto &[key, value] : get(selector, "matchLabels").items()) {
        if (!label(key).is_string() || label(key) != value)
            return false;
    }
    for (const Json &expression : items(get(selector, "matchExpressions"))) {
        const Json &value = label(string(get(expression, "key")));
        const Json &values = items(get(expression, "values"));
        const bool listed =
            value.is_string() && std::find(values.begin(), values.end(), value) != values.end();
        const std::string op = string(get(expression, "operator"));
        if ((op == "In" && !listed) || (op == "NotIn" && listed) ||
            (op == "Exists" && value.is_null()) || (op == "DoesNotExist" && !value.is_null()))
            return false;
    }
    return true;
}

} // namespace flowlab::kube::admission
