#pragma once

// A lesson (format v1, see lessons/SCHEMA.md): what to run for real, and the steps a learner
// sees, each a set of matchers over the evidence that run records.

#include "tracer/model/Event.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace flowlab {

inline constexpr int kLessonFormatVersion = 1;

struct LessonComponent
{
    std::string id;    // what steps and matchers name, e.g. "runc"
    std::string label; // what the diagram shows, e.g. "runc (OCI runtime)"
    std::string lane;  // a row of the diagram, e.g. "host" or "kernel"; may be empty
};

// One test on a value found in an event's attributes (or summary).
struct ValueTest
{
    enum class Op { Equals, Contains, Regex, Exists, AtLeast };
    Op op = Op::Equals;
    nlohmann::json expected; // Equals, Contains (string), AtLeast (number), Exists (bool)
    std::optional<std::regex> regex;
    std::string pattern; // the regex text, for messages

    bool test(const nlohmann::json *actual) const;
    std::string describe() const;
};

struct EventMatcher
{
    EventKind kind = EventKind::Log;
    std::optional<std::string> component;
    std::optional<std::string> node;
    std::optional<ValueTest> summary;
    std::vector<std::pair<std::string, ValueTest>> attrs; // dotted path → test
    std::string during; // only events recorded while this action ran; "" = the whole run
    // Only events recorded from this action's start on: for what follows an action by an
    // unknown delay, e.g. a replacement pod turning Ready some time after a deletion.
    std::string after;
    std::string role;   // how the evidence is labelled, e.g. "before DNAT"

    bool matches(const Event &event) const;
    std::string describe() const; // "a syscall event from runc with attrs.syscall = unshare"
};

struct LessonStep
{
    std::string id;
    std::string title;
    std::string component;              // where it happens
    std::string from, to;               // the edge it travels on the diagram
    std::string label;                  // what travels, e.g. "POST /containers/create"
    std::string explanation;            // Markdown
    std::vector<EventMatcher> matchers; // all must match for the step to be observed
};

// Something the lesson does for real: run the docker CLI, make an HTTP request, reset the
// private engine, make sure an image is in the lab registry.
struct LessonAction
{
    std::string id;
    std::string kind; // "docker", "http", "reset-docker", "image", "kubectl"
    nlohmann::json params;
    bool ignoreFailure = false;
    // kubectl: run again (within retry_for_ms) until its output passes this test, as a
    // teacher re-runs `kubectl get pods` until the pods are Running.
    std::optional<ValueTest> until;
};

struct CaptureInterface
{
    std::string netns;
    std::string interface; // a name, or a prefix ending in '*' (e.g. "veth*")
    std::string description;
};

struct CaptureSpec
{
    std::string filter; // BPF, e.g. "tcp port 8080 or tcp port 80"
    // Bytes kept of each packet; 0 keeps whole packets. Headers and the first HTTP line fit
    // in a few hundred bytes, and a small snap length keeps up with bulk transfers.
    std::uint32_t snapLength = 0;
    std::vector<CaptureInterface> interfaces;
};

// How the diagram arranges the components: bands from top to bottom, each holding components
// side by side (the seed diagrams' layers; for Kubernetes, the control plane above the nodes).
// Optional: without it the app makes one band per component lane.
struct StageRow
{
    std::string label; // shown at the band's left edge, e.g. "container runtime"
    std::vector<std::string> components;
};

struct LessonStage
{
    std::vector<StageRow> rows;
};

struct QuizQuestion
{
    std::string question;
    std::vector<std::string> choices;
    int answer = 0;
    std::string explanation;
};

struct Lesson
{
    std::string id;
    std::string title;
    std::string summary;
    std::string level; // beginner, intermediate, advanced
    std::vector<std::string> topics;
    std::string lab;         // the lab it needs: "docker" (or "kube")
    std::string explainOnly; // non-empty: why this lesson cannot run here (no evidence)
    std::vector<LessonComponent> components;
    LessonStage stage; // empty rows: lay out automatically
    CaptureSpec capture;
    std::vector<LessonAction> setup;
    std::vector<LessonAction> actions;
    std::vector<LessonAction> cleanup;
    std::vector<LessonStep> steps;
    std::vector<QuizQuestion> quiz;
    nlohmann::json source; // the document as loaded, kept in bundles
    std::string path;

    const LessonComponent *component(const std::string &id) const;
    const LessonAction *action(const std::string &id) const;
};

// Looks up a dotted path ("args.flags", "body.HostConfig.PortBindings") in `value`.
const nlohmann::json *findPath(const nlohmann::json &value, const std::string &dottedPath);

} // namespace flowlab
