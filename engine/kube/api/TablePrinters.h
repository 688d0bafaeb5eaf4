#pragma once

// The per-kind printers behind tableFor(), as pkg/printers/internalversion has them: a column
// list and a function from one object to its cells. The apiserver always prints "wide" (every
// priority) and kubectl drops the priority-1 columns unless asked for -o wide, so every
// printer here returns all of its cells. Internal to flowlab_kube_api.

#include "engine/kube/api/Resources.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlab::kube::printers {

struct Column
{
    std::string name;   // "Nominated Node": kubectl upper-cases it
    std::string type;   // "string", "integer", "date", "boolean"
    std::string format; // "name" for the object's name
    std::string description;
    int priority = 0; // 1: only with -o wide
};

struct PrintContext
{
    std::chrono::system_clock::time_point now;
};

struct Printer
{
    std::vector<Column> columns;
    // The row's cells, one per column.
    Json (*cells)(const Json &object, const PrintContext &context) = nullptr;
    // TableRowConditions (pods that completed or failed), or null.
    Json (*conditions)(const Json &object) = nullptr;
};

struct PrinterEntry
{
    std::string_view group;
    std::string_view plural;
    const Printer *printer;
};

// By topic, as the files that define them.
const std::vector<PrinterEntry> &workloadPrinters();
const std::vector<PrinterEntry> &corePrinters();
const std::vector<PrinterEntry> &clusterPrinters();

// ObjectMeta's swagger text for the columns every printer has.
extern const char *const kNameDescription;
extern const char *const kCreationTimestampDescription;
Column nameColumn();
Column ageColumn();

// translateTimestampSince: the AGE of an RFC 3339 timestamp, "<unknown>" when unset.
std::string age(const Json &timestamp, const PrintContext &context);
// A metav1.Time or MicroTime ("2024-05-01T10:00:00Z", "...00.123456Z", "+02:00").
std::optional<std::chrono::sys_seconds> parseTimestamp(const Json &timestamp);

// labels.FormatLabels: "app=web,tier=db" sorted by key, "<none>" when empty.
std::string formatLabels(const Json &labels);
// A metav1.LabelSelector as labels.Selector.String() prints it: requirements sorted by key,
// "app=web,env in (a,b),!legacy". Empty for a null or empty selector; nullopt when the
// selector does not convert (an unknown operator, In without values).
std::optional<std::string> selectorString(const Json &selector);
// metav1.FormatLabelSelector: selectorString, "<none>" when empty, "<error>" when invalid.
std::string formatLabelSelector(const Json &selector);
// layoutContainerCells: "web,sidecar" and "nginx:1.27,busybox".
std::pair<std::string, std::string> containerCells(const Json &containers);

} // namespace flowlab::kube::printers
