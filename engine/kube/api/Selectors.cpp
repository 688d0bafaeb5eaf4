#include "engine/kube/api/Selectors.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>

namespace flowlab::kube {

namespace {

// ---- Label key and value syntax, with the apiserver's messages ----------------------------
// (k8s.io/apimachinery/pkg/util/validation: IsQualifiedName, IsValidLabelValue)

constexpr std::size_t kLabelMaxLength = 63;
constexpr std::size_t kDnsSubdomainMaxLength = 253;

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kDnsSubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDnsSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";

bool isAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isLowerAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool isQualifiedNamePart(std::string_view s)
{
    if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back()))
        return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// Dot-separated labels of [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool isDnsSubdomain(std::string_view s)
{
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = s.find('.', start);
        const std::string_view label = s.substr(start, dot == s.npos ? s.npos : dot - start);
        if (label.empty() || !isLowerAlnum(label.front()) || !isLowerAlnum(label.back()))
            return false;
        if (!std::all_of(label.begin(), label.end(),
                         [](char c) { return isLowerAlnum(c) || c == '-'; }))
            return false;
        if (dot == s.npos)
            return true;
        start = dot + 1;
    }
}

// validation.RegexError: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<re>')",
// double space and all, since kubectl users see it verbatim.
std::string regexError(std::string_view msg, std::string_view re,
                       std::initializer_list<std::string_view> examples)
{
    std::string out(msg);
    out += " (e.g. ";
    bool first = true;
    for (std::string_view example : examples) {
        if (!first)
            out += " or ";
        first = false;
        out += "'" + std::string(example) + "', ";
    }
    out += "regex used for validation is '" + std::string(re) + "')";
    return out;
}

std::string maxLenError(std::size_t length)
{
    return "must be no more than " + std::to_string(length) + " characters";
}

std::vector<std::string> dnsSubdomainErrors(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > kDnsSubdomainMaxLength)
        errors.push_back(maxLenError(kDnsSubdomainMaxLength));
    if (!isDnsSubdomain(value))
        errors.push_back(regexError(kDnsSubdomainMsg, kDnsSubdomainFmt, {"example.com"}));
    return errors;
}

// IsQualifiedName: [prefix/]name, the prefix a DNS subdomain.
std::vector<std::string> labelKeyErrors(std::string_view key)
{
    std::vector<std::string> errors;
    std::string_view name = key;
    const auto slashes = std::count(key.begin(), key.end(), '/');
    if (slashes > 1) {
        return {"a qualified name " +
                regexError(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    if (slashes == 1) {
        const std::size_t slash = key.find('/');
        const std::string_view prefix = key.substr(0, slash);
        name = key.substr(slash + 1);
        if (prefix.empty())
            errors.push_back("prefix part must be non-empty");
        else
            for (const std::string &message : dnsSubdomainErrors(prefix))
                errors.push_back("prefix part " + message);
    }
    if (name.empty())
        errors.push_back("name part must be non-empty");
    else if (name.size() > kLabelMaxLength)
        errors.push_back("name part " + maxLenError(kLabelMaxLength));
    if (!isQualifiedNamePart(name))
        errors.push_back("name part " + regexError(kQualifiedNameMsg, kQualifiedNameFmt,
                                                   {"MyName", "my.name", "123-abc"}));
    return errors;
}

std::vector<std::string> labelValueErrors(std::string_view value)
{
    std::vector<std::string> errors;
    if (value.size() > kLabelMaxLength)
        errors.push_back(maxLenError(kLabelMaxLength));
    if (!value.empty() && !isQualifiedNamePart(value))
        errors.push_back(
            regexError(kLabelValueMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
    return errors;
}

// ---- Field errors as field.Error prints them ------------------------------------------------

// Go's %q: quotes, backslash escapes for quotes, backslashes and control bytes.
std::string goQuote(std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\x";
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

std::string join(const std::vector<std::string> &parts, std::string_view separator)
{
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? std::string(separator) : std::string()) + parts[i];
    return out;
}

std::string invalidValue(const std::string &path, std::string_view value, std::string_view detail)
{
    return path + ": Invalid value: " + goQuote(value) + ": " + std::string(detail);
}

// utilerrors.Aggregate: one message as it is, several as "[a, b]", duplicates dropped.
Error aggregate(const std::vector<std::string> &messages)
{
    std::vector<std::string> unique;
    for (const std::string &message : messages)
        if (std::find(unique.begin(), unique.end(), message) == unique.end())
            unique.push_back(message);
    if (unique.size() == 1)
        return Error(unique.front());
    return Error("[" + join(unique, ", ") + "]");
}

// strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits.
std::optional<std::int64_t> parseInt64(std::string_view s)
{
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    if (s.empty() || s.front() == '+')
        return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return value;
}

using Op = LabelRequirement::Op;

void sortUnique(std::vector<std::string> &values)
{
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
}

// labels.NewRequirement: checks the values against the operator, and each value's syntax.
Result<LabelRequirement> newRequirement(std::string key, Op op, std::vector<std::string> values)
{
    std::vector<std::string> errors;
    if (auto keyErrors = labelKeyErrors(key); !keyErrors.empty())
        errors.push_back(invalidValue("key", key, join(keyErrors, "; ")));
    if (op == Op::GreaterThan || op == Op::LessThan) {
        for (std::size_t i = 0; i < values.size(); ++i)
            if (!parseInt64(values[i]))
                errors.push_back(invalidValue("values[" + std::to_string(i) + "]", values[i],
                                              "for 'Gt', 'Lt' operators, the value must be an "
                                              "integer"));
    }
    for (std::size_t i = 0; i < values.size(); ++i)
        if (auto valueErrors = labelValueErrors(values[i]); !valueErrors.empty())
            errors.push_back(invalidValue("values[" + std::to_string(i) + "][" + key + "]",
                                          values[i], join(valueErrors, "; ")));
    if (!errors.empty())
        return aggregate(errors);
    sortUnique(values);
    return LabelRequirement{std::move(key), op, std::move(values)};
}

// ---- The query-string lexer and parser (labels.Parse) ---------------------------------------

enum class Token {
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
};

struct Lexeme
{
    Token token;
    std::string literal;
};

std::optional<Token> tokenFor(std::string_view text)
{
    static constexpr std::pair<std::string_view, Token> kTokens[] = {
        {")", Token::ClosedPar},     {",", Token::Comma},    {"!", Token::DoesNotExist},
        {"==", Token::DoubleEquals}, {"=", Token::Equals},   {">", Token::GreaterThan},
        {"in", Token::In},           {"<", Token::LessThan}, {"!=", Token::NotEquals},
        {"notin", Token::NotIn},     {"(", Token::OpenPar},
    };
    for (const auto &[spelling, token] : kTokens)
        if (spelling == text)
            return token;
    return std::nullopt;
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool isSpecialSymbol(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::vector<Lexeme> lex(std::string_view text)
{
    std::vector<Lexeme> lexemes;
    std::size_t pos = 0;
    for (;;) {
        while (pos < text.size() && isWhitespace(text[pos]))
            ++pos;
        if (pos == text.size()) {
            lexemes.push_back({Token::EndOfString, ""});
            return lexemes;
        }
        const std::size_t start = pos;
        if (isSpecialSymbol(text[pos])) {
            // Every special character is a token by itself; extend while the run still is one:
            // "!=" and "==", but "!==" lexes as "!=" then "=".
            ++pos;
            while (pos < text.size() && isSpecialSymbol(text[pos]) &&
                   tokenFor(text.substr(start, pos + 1 - start)))
                ++pos;
            const std::string_view symbol = text.substr(start, pos - start);
            lexemes.push_back({*tokenFor(symbol), std::string(symbol)});
            continue;
        }
        while (pos < text.size() && !isSpecialSymbol(text[pos]) && !isWhitespace(text[pos]))
            ++pos;
        const std::string_view word = text.substr(start, pos - start);
        lexemes.push_back({tokenFor(word).value_or(Token::Identifier), std::string(word)});
    }
}

class LabelParser
{
public:
    explicit LabelParser(std::string_view text)
        : m_lexemes(lex(text))
    {}

    Result<std::vector<LabelRequirement>> parse();

private:
    // Where a value is expected, "in" and "notin" are plain words: "x in (in,notin)".
    enum class Context { KeyAndOperator, Values };

    Lexeme lookahead(Context context) const;
    Lexeme consume(Context context);

    Result<LabelRequirement> parseRequirement();
    Result<std::pair<std::string, std::optional<Op>>> parseKeyAndInferOperator();
    Result<Op> parseOperator();
    Result<std::vector<std::string>> parseValues();
    Result<std::vector<std::string>> parseIdentifiersList();
    Result<std::vector<std::string>> parseExactValue();

    std::vector<Lexeme> m_lexemes;
    std::size_t m_position = 0;
};

Lexeme LabelParser::lookahead(Context context) const
{
    Lexeme lexeme = m_lexemes[std::min(m_position, m_lexemes.size() - 1)];
    if (context == Context::Values && (lexeme.token == Token::In || lexeme.token == Token::NotIn))
        lexeme.token = Token::Identifier;
    return lexeme;
}

Lexeme LabelParser::consume(Context context)
{
    Lexeme lexeme = lookahead(context);
    if (m_position < m_lexemes.size() - 1)
        ++m_position;
    return lexeme;
}

Error found(const std::string &literal, std::string_view expected)
{
    return Error("found '" + literal + "', expected: " + std::string(expected));
}

Result<std::vector<LabelRequirement>> LabelParser::parse()
{
    std::vector<LabelRequirement> requirements;
    for (;;) {
        const Lexeme next = lookahead(Context::Values);
        switch (next.token) {
        case Token::Identifier:
        case Token::DoesNotExist: {
            auto requirement = parseRequirement();
            if (!requirement)
                return Error("unable to parse requirement: " + requirement.error().message());
            requirements.push_back(std::move(*requirement));
            const Lexeme separator = consume(Context::Values);
            if (separator.token == Token::EndOfString)
                return requirements;
            if (separator.token != Token::Comma)
                return found(separator.literal, "',' or 'end of string'");
            const Lexeme after = lookahead(Context::Values);
            if (after.token != Token::Identifier && after.token != Token::DoesNotExist)
                return found(after.literal, "identifier after ','");
            break;
        }
        case Token::EndOfString:
            return requirements;
        default:
            return found(next.literal, "!, identifier, or 'end of string'");
        }
    }
}

Result<LabelRequirement> LabelParser::parseRequirement()
{
    auto keyAndOperator = parseKeyAndInferOperator();
    if (!keyAndOperator)
        return keyAndOperator.error();
    auto [key, inferred] = std::move(*keyAndOperator);
    if (inferred)
        return newRequirement(std::move(key), *inferred, {});
    const auto op = parseOperator();
    if (!op)
        return op.error();
    auto values = (*op == Op::In || *op == Op::NotIn) ? parseValues() : parseExactValue();
    if (!values)
        return values.error();
    return newRequirement(std::move(key), *op, std::move(*values));
}

// "key" alone is Exists, "!key" DoesNotExist; otherwise an operator follows.
Result<std::pair<std::string, std::optional<Op>>> LabelParser::parseKeyAndInferOperator()
{
    std::optional<Op> op;
    Lexeme lexeme = consume(Context::Values);
    if (lexeme.token == Token::DoesNotExist) {
        op = Op::DoesNotExist;
        lexeme = consume(Context::Values);
    }
    if (lexeme.token != Token::Identifier)
        return found(lexeme.literal, "identifier");
    // The parser's own path is nil, which field.Error prints as "<nil>".
    if (auto errors = labelKeyErrors(lexeme.literal); !errors.empty())
        return Error(invalidValue("<nil>", lexeme.literal, join(errors, "; ")));
    const Token next = lookahead(Context::Values).token;
    if ((next == Token::EndOfString || next == Token::Comma) && !op)
        op = Op::Exists;
    return std::pair{std::move(lexeme.literal), op};
}

Result<Op> LabelParser::parseOperator()
{
    const Lexeme lexeme = consume(Context::KeyAndOperator);
    switch (lexeme.token) {
    case Token::In:
        return Op::In;
    case Token::NotIn:
        return Op::NotIn;
    case Token::Equals:
    case Token::DoubleEquals:
        return Op::Equals;
    case Token::NotEquals:
        return Op::NotEquals;
    case Token::GreaterThan:
        return Op::GreaterThan;
    case Token::LessThan:
        return Op::LessThan;
    default:
        return found(lexeme.literal, "in, notin, =, ==, !=, gt, lt");
    }
}

Result<std::vector<std::string>> LabelParser::parseValues()
{
    const Lexeme open = consume(Context::Values);
    if (open.token != Token::OpenPar)
        return Error("found '" + open.literal + "' expected: '('"); // sic: no comma upstream
    const Lexeme next = lookahead(Context::Values);
    switch (next.token) {
    case Token::Identifier:
    case Token::Comma: {
        auto values = parseIdentifiersList();
        if (values)
            consume(Context::Values); // the ')' the list stopped at
        return values;
    }
    case Token::ClosedPar:
        consume(Context::Values);
        return std::vector<std::string>{""};
    default:
        return found(next.literal, "',', ')' or identifier");
    }
}

// "(a,b)", and empty strings where commas leave gaps: "(,a)", "(a,,b)", "(a,)".
Result<std::vector<std::string>> LabelParser::parseIdentifiersList()
{
    std::set<std::string> values;
    for (;;) {
        const Lexeme lexeme = consume(Context::Values);
        switch (lexeme.token) {
        case Token::Identifier: {
            values.insert(lexeme.literal);
            const Lexeme next = lookahead(Context::Values);
            if (next.token == Token::ClosedPar)
                return std::vector<std::string>(values.begin(), values.end());
            if (next.token != Token::Comma)
                return found(next.literal, "',' or ')'");
            break;
        }
        case Token::Comma: {
            if (values.empty())
                values.insert("");
            const Token next = lookahead(Context::Values).token;
            if (next == Token::ClosedPar) {
                values.insert("");
                return std::vector<std::string>(values.begin(), values.end());
            }
            if (next == Token::Comma)
                values.insert("");
            break;
        }
        default:
            return found(lexeme.literal, "',', or identifier");
        }
    }
}

Result<std::vector<std::string>> LabelParser::parseExactValue()
{
    const Token next = lookahead(Context::Values).token;
    if (next == Token::EndOfString || next == Token::Comma)
        return std::vector<std::string>{""};
    const Lexeme lexeme = consume(Context::Values);
    if (lexeme.token != Token::Identifier)
        return found(lexeme.literal, "identifier");
    return std::vector<std::string>{lexeme.literal};
}

void sortByKey(std::vector<LabelRequirement> &requirements)
{
    std::stable_sort(requirements.begin(), requirements.end(),
                     [](const auto &a, const auto &b) { return a.key < b.key; });
}

std::optional<std::string> labelValue(const Json &labels, const std::string &key)
{
    if (!labels.is_object())
        return std::nullopt;
    const auto it = labels.find(key);
    if (it == labels.end() || !it->is_string())
        return std::nullopt;
    return it->get<std::string>();
}

bool requirementMatches(const LabelRequirement &requirement, const Json &labels)
{
    const std::optional<std::string> value = labelValue(labels, requirement.key);
    const auto listed = [&] {
        return std::binary_search(requirement.values.begin(), requirement.values.end(), *value);
    };
    switch (requirement.op) {
    case Op::Equals:
    case Op::In:
        return value && listed();
    case Op::NotEquals:
    case Op::NotIn:
        return !value || !listed();
    case Op::Exists:
        return value.has_value();
    case Op::DoesNotExist:
        return !value;
    case Op::GreaterThan:
    case Op::LessThan: {
        const auto have = value ? parseInt64(*value) : std::nullopt;
        const auto want =
            requirement.values.size() == 1 ? parseInt64(requirement.values.front()) : std::nullopt;
        if (!have || !want)
            return false;
        return requirement.op == Op::GreaterThan ? *have > *want : *have < *want;
    }
    }
    return false;
}

std::string requirementString(const LabelRequirement &requirement)
{
    const std::string values = join(requirement.values, ",");
    switch (requirement.op) {
    case Op::Equals:
        return requirement.key + "=" + values;
    case Op::NotEquals:
        return requirement.key + "!=" + values;
    case Op::In:
        return requirement.key + " in (" + values + ")";
    case Op::NotIn:
        return requirement.key + " notin (" + values + ")";
    case Op::Exists:
        return requirement.key;
    case Op::DoesNotExist:
        return "!" + requirement.key;
    case Op::GreaterThan:
        return requirement.key + ">" + values;
    case Op::LessThan:
        return requirement.key + "<" + values;
    }
    return requirement.key;
}

// ---- metav1.LabelSelector objects (ValidateLabelSelector, then LabelSelectorAsSelector) -----

struct SelectorOperator
{
    std::string_view name;
    Op op;
};

constexpr SelectorOperator kSelectorOperators[] = {
    {"In", Op::In},
    {"NotIn", Op::NotIn},
    {"Exists", Op::Exists},
    {"DoesNotExist", Op::DoesNotExist},
};

// A value of the wrong JSON type, which the real apiserver rejects while decoding.
std::string wrongType(const std::string &path, const Json &value, std::string_view expected)
{
    const std::string body =
        "Invalid value: " + value.dump() + ": must be " + std::string(expected);
    return path.empty() ? body : path + ": " + body;
}

void validateMatchLabels(const Json &matchLabels, std::vector<LabelRequirement> &requirements,
                         std::vector<std::string> &errors)
{
    if (matchLabels.is_null())
        return;
    if (!matchLabels.is_object()) {
        errors.push_back(wrongType("matchLabels", matchLabels, "an object of strings"));
        return;
    }
    for (const auto &[key, value] : matchLabels.items()) {
        for (const std::string &message : labelKeyErrors(key))
            errors.push_back(invalidValue("matchLabels", key, message));
        if (!value.is_string()) {
            errors.push_back(wrongType("matchLabels[" + key + "]", value, "a string"));
            continue;
        }
        const std::string text = value.get<std::string>();
        for (const std::string &message : labelValueErrors(text))
            errors.push_back(invalidValue("matchLabels", text, message));
        requirements.push_back({key, Op::Equals, {text}});
    }
}

void validateMatchExpression(const Json &expression, const std::string &path,
                             std::vector<LabelRequirement> &requirements,
                             std::vector<std::string> &errors)
{
    if (!expression.is_object()) {
        errors.push_back(wrongType(path, expression, "an object"));
        return;
    }
    const std::size_t errorsBefore = errors.size();
    const Json &keyJson = expression.contains("key") ? expression["key"] : Json("");
    const Json &operatorJson = expression.contains("operator") ? expression["operator"] : Json("");
    const Json &valuesJson = expression.contains("values") ? expression["values"] : Json();
    if (!keyJson.is_string())
        errors.push_back(wrongType(path + ".key", keyJson, "a string"));
    if (!operatorJson.is_string())
        errors.push_back(wrongType(path + ".operator", operatorJson, "a string"));
    std::vector<std::string> values;
    if (valuesJson.is_array()) {
        for (const Json &value : valuesJson) {
            if (!value.is_string())
                errors.push_back(wrongType(path + ".values", valuesJson, "a list of strings"));
            else
                values.push_back(value.get<std::string>());
        }
    } else if (!valuesJson.is_null()) {
        errors.push_back(wrongType(path + ".values", valuesJson, "a list of strings"));
    }
    if (errors.size() != errorsBefore)
        return;

    const std::string key = keyJson.get<std::string>();
    const std::string operatorName = operatorJson.get<std::string>();
    const auto known = std::find_if(std::begin(kSelectorOperators), std::end(kSelectorOperators),
                                    [&](const auto &entry) { return entry.name == operatorName; });
    if (known == std::end(kSelectorOperators)) {
        errors.push_back(
            invalidValue(path + ".operator", operatorName, "not a valid selector operator"));
    } else if ((known->op == Op::In || known->op == Op::NotIn) && values.empty()) {
        errors.push_back(path +
                         ".values: Required value: must be specified when `operator` is 'In' "
                         "or 'NotIn'");
    } else if ((known->op == Op::Exists || known->op == Op::DoesNotExist) && !values.empty()) {
        errors.push_back(path +
                         ".values: Forbidden: may not be specified when `operator` is 'Exists' "
                         "or 'DoesNotExist'");
    }
    for (const std::string &message : labelKeyErrors(key))
        errors.push_back(invalidValue(path + ".key", key, message));
    for (std::size_t i = 0; i < values.size(); ++i)
        for (const std::string &message : labelValueErrors(values[i]))
            errors.push_back(
                invalidValue(path + ".values[" + std::to_string(i) + "]", values[i], message));
    if (errors.size() == errorsBefore) {
        sortUnique(values);
        requirements.push_back({key, known->op, std::move(values)});
    }
}

// ---- Field selectors (fields.ParseSelector) and the fields each kind can be selected by ----

enum class FieldType { String, Bool, Integer };

struct SelectableField
{
    std::string_view group;
    std::string_view kind;
    std::string_view field;  // as a selector names it
    std::string_view source; // where its data sits, when that differs: "source.component"
    FieldType type = FieldType::String;
};

// The apiserver's field label conversions (pkg/apis/*/v1/conversion.go) with the field sets
// behind them (pkg/registry/*/strategy.go), for the resources Flowlab serves.
// metadata.name and metadata.namespace come on top, see selectableMetadata().
constexpr SelectableField kSelectableFields[] = {
    {"", "Pod", "spec.nodeName", {}},
    {"", "Pod", "spec.host", "spec.nodeName"}, // what pre-1.0 clients still send
    {"", "Pod", "spec.restartPolicy", {}},
    {"", "Pod", "spec.schedulerName", {}},
    {"", "Pod", "spec.serviceAccountName", {}},
    {"", "Pod", "spec.hostNetwork", {}, FieldType::Bool},
    {"", "Pod", "status.phase", {}},
    {"", "Pod", "status.podIP", {}}, // status.podIPs[0].ip first, see fieldText()
    {"", "Pod", "status.nominatedNodeName", {}},
    {"", "Event", "involvedObject.kind", {}},
    {"", "Event", "involvedObject.namespace", {}},
    {"", "Event", "involvedObject.name", {}},
    {"", "Event", "involvedObject.uid", {}},
    {"", "Event", "involvedObject.apiVersion", {}},
    {"", "Event", "involvedObject.resourceVersion", {}},
    {"", "Event", "involvedObject.fieldPath", {}},
    {"", "Event", "reason", {}},
    {"", "Event", "reportingComponent", {}},
    {"", "Event", "source", "source.component"},
    {"", "Event", "type", {}},
    {"", "Secret", "type", {}},
    {"", "Node", "spec.unschedulable", {}, FieldType::Bool},
    {"", "Namespace", "status.phase", {}},
    {"", "Service", "spec.clusterIP", {}},
    {"", "Service", "spec.type", {}},
    {"apps", "ReplicaSet", "status.replicas", {}, FieldType::Integer},
    {"batch", "Job", "status.successful", "status.succeeded", FieldType::Integer},
};

// Nodes and namespaces convert their field labels themselves, without metadata.namespace.
bool selectableMetadata(std::string_view kind, std::string_view field)
{
    if (field == "metadata.name")
        return true;
    return field == "metadata.namespace" && kind != "Node" && kind != "Namespace";
}

// By kind alone when the group is unknown: the built-in kinds Flowlab serves are unique.
const SelectableField *findSelectable(std::optional<std::string_view> group, std::string_view kind,
                                      std::string_view field)
{
    for (const SelectableField &entry : kSelectableFields)
        if ((!group || entry.group == *group) && entry.kind == kind && entry.field == field)
            return &entry;
    return nullptr;
}

const Json *lookupPath(const Json &object, std::string_view path)
{
    const Json *node = &object;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = path.find('.', start);
        const std::string key(path.substr(start, dot == path.npos ? path.npos : dot - start));
        if (!node->is_object())
            return nullptr;
        const auto it = node->find(key);
        if (it == node->end())
            return nullptr;
        node = &*it;
        if (dot == path.npos)
            return node;
        start = dot + 1;
    }
}

std::string fieldText(const Json &object, std::string_view field)
{
    const std::string kind =
        object.is_object() && object.contains("kind") && object["kind"].is_string()
            ? object["kind"].get<std::string>()
            : std::string();
    const SelectableField *entry = findSelectable(std::nullopt, kind, field);
    const std::string_view path = entry && !entry->source.empty() ? entry->source : field;
    const Json *value = lookupPath(object, path);
    if (kind == "Pod" && field == "status.podIP") {
        const Json *podIPs = lookupPath(object, "status.podIPs");
        if (podIPs && podIPs->is_array() && !podIPs->empty() && (*podIPs)[0].is_object() &&
            (*podIPs)[0].contains("ip"))
            value = &(*podIPs)[0]["ip"];
    }
    if (!value || value->is_null()) {
        switch (entry ? entry->type : FieldType::String) {
        case FieldType::Bool:
            return "false";
        case FieldType::Integer:
            return "0";
        case FieldType::String:
            return "";
        }
    }
    if (value->is_string())
        return value->get<std::string>();
    if (value->is_boolean())
        return value->get<bool>() ? "true" : "false";
    if (value->is_number_integer())
        return value->dump();
    if (value->is_number_float()) {
        const double number = value->get<double>();
        if (number == double(std::int64_t(number)))
            return std::to_string(std::int64_t(number));
        return value->dump();
    }
    return "";
}

// The terms of a field selector, split at commas that no backslash escapes.
std::vector<std::string> splitTerms(std::string_view text)
{
    std::vector<std::string> terms;
    if (text.empty())
        return terms;
    std::size_t start = 0;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (escaped)
            escaped = false;
        else if (text[i] == '\\')
            escaped = true;
        else if (text[i] == ',') {
            terms.emplace_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    terms.emplace_back(text.substr(start));
    return terms;
}

// fields.UnescapeValue: "\\", "\," and "\=" stand for themselves; bare ',' or '=' are errors.
// Go prints the offending rune with %v, which is its code point: '=' reads as 61.
Result<std::string> unescapeValue(std::string_view value)
{
    std::string out;
    bool escaped = false;
    for (char c : value) {
        if (escaped) {
            if (c != '\\' && c != ',' && c != '=')
                return Error("invalid field selector: invalid escape sequence: \\" +
                             std::string(1, c));
            out += c;
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == ',' || c == '=') {
            return Error("invalid field selector: unescaped character in value: " +
                         std::to_string(int(c)));
        } else {
            out += c;
        }
    }
    if (escaped)
        return Error("invalid field selector: invalid escape sequence: \\");
    return out;
}

} // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text)
{
    auto requirements = LabelParser(text).parse();
    if (!requirements)
        return requirements.error();
    LabelSelector selector;
    selector.m_requirements = std::move(*requirements);
    sortByKey(selector.m_requirements);
    return selector;
}

Result<LabelSelector> LabelSelector::fromJson(const Json &selector)
{
    LabelSelector out;
    if (selector.is_null())
        return out;
    if (!selector.is_object())
        return Error(wrongType("", selector, "an object"));
    std::vector<std::string> errors;
    if (selector.contains("matchLabels"))
        validateMatchLabels(selector["matchLabels"], out.m_requirements, errors);
    if (selector.contains("matchExpressions")) {
        const Json &expressions = selector["matchExpressions"];
        if (expressions.is_array()) {
            for (std::size_t i = 0; i < expressions.size(); ++i)
                validateMatchExpression(expressions[i],
                                        "matchExpressions[" + std::to_string(i) + "]",
                                        out.m_requirements, errors);
        } else if (!expressions.is_null()) {
            errors.push_back(wrongType("matchExpressions", expressions, "a list"));
        }
    }
    if (!errors.empty())
        return aggregate(errors);
    sortByKey(out.m_requirements);
    return out;
}

LabelSelector LabelSelector::fromMap(const Json &matchLabels)
{
    LabelSelector out;
    if (matchLabels.is_object())
        for (const auto &[key, value] : matchLabels.items())
            if (value.is_string())
                out.m_requirements.push_back({key, Op::Equals, {value.get<std::string>()}});
    sortByKey(out.m_requirements);
    return out;
}

bool LabelSelector::matches(const Json &labels) const
{
    return std::all_of(m_requirements.begin(), m_requirements.end(), [&](const auto &requirement) {
        return requirementMatches(requirement, labels);
    });
}

std::string LabelSelector::toString() const
{
    std::vector<std::string> parts;
    for (const LabelRequirement &requirement : m_requirements)
        parts.push_back(requirementString(requirement));
    return join(parts, ",");
}

Result<FieldSelector> FieldSelector::parse(std::string_view text)
{
    std::vector<std::string> terms = splitTerms(text);
    std::sort(terms.begin(), terms.end());
    FieldSelector selector;
    for (const std::string &term : terms) {
        if (term.empty())
            continue;
        // The first operator wins, "!=" and "==" before "=" at the same place; field names
        // have no escapes.
        std::size_t at = term.npos;
        std::string_view op;
        for (std::size_t i = 0; i < term.size() && at == term.npos; ++i) {
            for (std::string_view candidate : {"!=", "==", "="}) {
                if (std::string_view(term).substr(i, candidate.size()) == candidate) {
                    at = i;
                    op = candidate;
                    break;
                }
            }
        }
        if (at == term.npos)
            return Error("invalid selector: '" + std::string(text) + "'; can't understand '" +
                         term + "'");
        auto value = unescapeValue(std::string_view(term).substr(at + op.size()));
        if (!value)
            return value.error();
        selector.m_requirements.push_back({term.substr(0, at), op != "!=", std::move(*value)});
    }
    return selector;
}

bool FieldSelector::matches(const Json &object) const
{
    return std::all_of(m_requirements.begin(), m_requirements.end(), [&](const auto &requirement) {
        return (fieldText(object, requirement.field) == requirement.value) == requirement.equals;
    });
}

bool isSelectableField(const ResourceInfo &resource, std::string_view field)
{
    return selectableMetadata(resource.kind, field) ||
           findSelectable(resource.group, resource.kind, field) != nullptr;
}

} // namespace flowlab::kube
