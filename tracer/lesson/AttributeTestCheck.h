#pragma once

// Matcher tests that can never pass, found without running the lesson: a test on an attribute
// that events of the matcher's kind never carry (tracer/model/EventAttributes.h), a path into
// an attribute that has nothing inside, or at_least on an attribute that is never a number.

#include "tracer/lesson/Lesson.h"

#include <optional>
#include <string>

namespace flowlab {

struct AttributeTestProblem
{
    std::string test; // the test's key ("at_least") when the test is at fault, else "" (the path)
    std::string message;
};

// `path` is the matcher's dotted attrs path, e.g. "body.HostConfig.PortBindings".
std::optional<AttributeTestProblem> impossibleAttributeTest(EventKind kind, const std::string &path,
                                                            const ValueTest &test);

} // namespace flowlab
