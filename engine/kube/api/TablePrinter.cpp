#include "engine/kube/api/TablePrinter.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/api/TablePrinters.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace flowlab::kube {

namespace printers {

const char *const kNameDescription =
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

const char *const kCreationTimestampDescription =
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";

Column nameColumn()
{
    return {"Name", "string", "name", kNameDescription};
}

Column ageColumn()
{
    return {"Age", "string", "", kCreationTimestampDescription};
}

namespace {

// Reads `width` digits at `pos`, advancing it; -1 when they are not all digits.
int digits(std::string_view text, std::size_t &pos, std::size_t width)
{
    if (pos + width > text.size())
        return -1;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    pos += width;
    return value;
}

bool expect(std::string_view text, std::size_t &pos, std::string_view chars)
{
    if (pos >= text.size() || chars.find(text[pos]) == std::string_view::npos)
        return false;
    ++pos;
    return true;
}

} // namespace

std::optional<std::chrono::sys_seconds> parseTimestamp(const Json &timestamp)
{
    using namespace std::chrono;
    if (!timestamp.is_string())
        return std::nullopt;
    const std::string text = timestamp.get<std::string>();
    std::size_t pos = 0;
    const int y = digits(text, pos, 4);
    const bool dateOk = y >= 0 && expect(text, pos, "-");
    const int mo = digits(text, pos, 2);
    const bool d1 = mo >= 0 && expect(text, pos, "-");
    const int d = digits(text, pos, 2);
    const bool t = d >= 0 && expect(text, pos, "Tt");
    const int h = digits(text, pos, 2);
    const bool c1 = h >= 0 && expect(text, pos, ":");
    const int mi = digits(text, pos, 2);
    const bool c2 = mi >= 0 && expect(text, pos, ":");
    const int s = digits(text, pos, 2);
    if (!dateOk || !d1 || !t || !c1 || !c2 || s < 0)
        return std::nullopt;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
            ++pos; // sub-second digits: ages are whole seconds
    }
    seconds offset{0};
    if (!expect(text, pos, "Zz")) {
        if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-'))
            return std::nullopt;
        const int sign = text[pos++] == '-' ? -1 : 1;
        const int oh = digits(text, pos, 2);
        const bool c3 = oh >= 0 && expect(text, pos, ":");
        const int om = digits(text, pos, 2);
        if (!c3 || om < 0)
            return std::nullopt;
        offset = seconds(sign * (oh * 3600 + om * 60));
    }
    if (pos != text.size())
        return std::nullopt;
    const year_month_day date{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
    if (!date.ok())
        return std::nullopt;
    return sys_days(date) + hours(h) + minutes(mi) + seconds(s) - offset;
}

std::string age(const Json &timestamp, const PrintContext &context)
{
    const auto time = parseTimestamp(timestamp);
    if (!time)
        return "<unknown>";
    return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(context.now - *time));
}

std::string formatLabels(const Json &labels)
{
    std::string out;
    if (labels.is_object()) {
        for (const auto &[key, value] : labels.items()) // nlohmann keeps keys sorted
            out += (out.empty() ? "" : ",") + key + "=" + fields::string(value);
    }
    return out.empty() ? "<none>" : out;
}

std::optional<std::string> selectorString(const Json &selector)
{
    // Stable by key, the way Selector.Add sorts requirements (matchLabels first on a tie).
    std::multimap<std::string, std::string> requirements;
    for (const auto &[key, value] : fields::get(selector, "matchLabels").items())
        requirements.emplace(key, key + "=" + fields::string(value));
    for (const Json &expression : fields::items(fields::get(selector, "matchExpressions"))) {
        const std::string key = fields::string(fields::get(expression, "key"));
        const std::string op = fields::string(fields::get(expression, "operator"));
        std::vector<std::string> values;
        for (const Json &value : fields::items(fields::get(expression, "values")))
            values.push_back(fields::string(value));
        std::sort(values.begin(), values.end());
        std::string joined;
        for (const auto &value : values)
            joined += (joined.empty() ? "" : ",") + value;
        if (op == "In" || op == "NotIn") {
            if (values.empty())
                return std::nullopt;
            requirements.emplace(key, key + (op == "In" ? " in (" : " notin (") + joined + ")");
        } else if (op == "Exists" || op == "DoesNotExist") {
            if (!values.empty())
                return std::nullopt;
            requirements.emplace(key, (op == "Exists" ? "" : "!") + key);
        } else {
            return std::nullopt;
        }
    }
    std::string out;
    for (const auto &[key, text] : requirements)
        out += (out.empty() ? "" : ",") + text;
    return out;
}

std::string formatLabelSelector(const Json &selector)
{
    const auto text = selectorString(selector);
    if (!text)
        return "<error>";
    return text->empty() ? "<none>" : *text;
}

std::pair<std::string, std::string> containerCells(const Json &containers)
{
    std::string names;
    std::string images;
    bool first = true;
    for (const Json &container : fields::items(containers)) {
        names += (first ? "" : ",") + fields::string(fields::get(container, "name"));
        images += (first ? "" : ",") + fields::string(fields::get(container, "image"));
        first = false;
    }
    return {names, images};
}

namespace {

// The apiserver's default table (k8s.io/apiserver/pkg/registry/rest/table.go), for kinds
// without a printer of their own: roles, clusterroles and the like.
Json defaultCells(const Json &object, const PrintContext &)
{
    const Json &metadata = fields::get(object, "metadata");
    std::string created = "0001-01-01T00:00:00Z";
    if (const auto time = parseTimestamp(fields::get(metadata, "creationTimestamp"))) {
        const auto days = std::chrono::floor<std::chrono::days>(*time);
        const std::chrono::year_month_day date{days};
        const std::chrono::hh_mm_ss clock{*time - days};
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()),
                      unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                      int(clock.minutes().count()), int(clock.seconds().count()));
        created = buffer;
    }
    return Json::array({fields::string(fields::get(metadata, "name")), created});
}

const Printer &defaultPrinter()
{
    static const Printer printer{
        {nameColumn(), {"Created At", "date", "", kCreationTimestampDescription}}, defaultCells};
    return printer;
}

const Printer &printerFor(const ResourceInfo &resource)
{
    for (const auto *list : {&workloadPrinters(), &corePrinters(), &clusterPrinters()}) {
        for (const PrinterEntry &entry : *list) {
            if (entry.group == resource.group && entry.plural == resource.plural)
                return *entry.printer;
        }
    }
    return defaultPrinter();
}

Json columnDefinition(const Column &column)
{
    return {{"name", column.name},
            {"type", column.type},
            {"format", column.format},
            {"description", column.description},
            {"priority", column.priority}};
}

// What the apiserver puts in a row's "object" for ?includeObject= (handlers/response.go).
Json rowObject(const Json &object, TableOptions::IncludeObject include)
{
    if (include == TableOptions::IncludeObject::Object)
        return object;
    Json metadata = fields::get(object, "metadata");
    return {{"kind", "PartialObjectMetadata"},
            {"apiVersion", "meta.k8s.io/v1"},
            {"metadata", metadata.is_object() ? metadata : Json::object()}};
}

} // namespace

} // namespace printers

Json tableFor(const ResourceInfo &resource, const std::vector<Json> &objects,
              const TableOptions &options, const std::string &resourceVersion,
              const std::string &continueToken)
{
    using namespace printers;
    const Printer &printer = printerFor(resource);
    const PrintContext context{options.now};

    Json metadata = Json::object();
    if (!resourceVersion.empty())
        metadata["resourceVersion"] = resourceVersion;
    if (!continueToken.empty())
        metadata["continue"] = continueToken;

    Json columns = Json::array();
    if (!options.noHeaders) {
        for (const Column &column : printer.columns)
            columns.push_back(columnDefinition(column));
    }

    Json rows = Json::array();
    for (const Json &object : objects) {
        Json row = {{"cells", printer.cells(object, context)}};
        if (printer.conditions) {
            if (Json conditions = printer.conditions(object); !conditions.is_null())
                row["conditions"] = std::move(conditions);
        }
        if (options.includeObject != TableOptions::IncludeObject::None)
            row["object"] = rowObject(object, options.includeObject);
        rows.push_back(std::move(row));
    }

    return {{"kind", "Table"},
            {"apiVersion", "meta.k8s.io/v1"},
            {"metadata", std::move(metadata)},
            {"columnDefinitions", std::move(columns)},
            {"rows", std::move(rows)}};
}

std::string humanDuration(std::chrono::seconds age)
{
    // k8s.io/apimachinery/pkg/util/duration.HumanDuration, which tolerates a second of clock
    // skew before calling an age invalid.
    const long long seconds = age.count();
    const auto text = [](long long a, const char *unitA, long long b = 0,
                         const char *unitB = nullptr) {
        std::string out = std::to_string(a) + unitA;
        if (unitB && b != 0)
            out += std::to_string(b) + unitB;
        return out;
    };
    if (seconds < -1)
        return "<invalid>";
    if (seconds < 0)
        return "0s";
    if (seconds < 60 * 2)
        return text(seconds, "s");
    const long long minutes = seconds / 60;
    if (minutes < 10)
        return text(minutes, "m", seconds % 60, "s");
    if (minutes < 60 * 3)
        return text(minutes, "m");
    const long long hours = seconds / 3600;
    if (hours < 8)
        return text(hours, "h", minutes % 60, "m");
    if (hours < 48)
        return text(hours, "h");
    if (hours < 24 * 8)
        return text(hours / 24, "d", hours % 24, "h");
    if (hours < 24 * 365 * 2)
        return text(hours / 24, "d");
    if (hours < 24 * 365 * 8)
        return text(hours / 24 / 365, "y", (hours / 24) % 365, "d");
    return text(hours / 24 / 365, "y");
}

} // namespace flowlab::kube
