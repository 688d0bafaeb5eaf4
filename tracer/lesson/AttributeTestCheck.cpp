#include "tracer/lesson/AttributeTestCheck.h"

#include "tracer/model/EventAttributes.h"

namespace flowlab {

std::optional<AttributeTestProblem> impossibleAttributeTest(EventKind kind, const std::string &path,
                                                            const ValueTest &test)
{
    if (eventAttributesAreOpen(kind))
        return std::nullopt;
    const std::string events = "events of kind \"" + std::string(toString(kind)) + "\"";
    const std::size_t dot = path.find('.');
    const std::string name = path.substr(0, dot);
    const EventAttribute *attribute = findEventAttribute(kind, name);
    if (!attribute) {
        std::string known;
        for (const EventAttribute &a : eventAttributes(kind))
            known += (known.empty() ? "" : ", ") + std::string(a.name);
        return AttributeTestProblem{"", events + " have no attribute \"" + name +
                                            "\" (they have: " + known + ")"};
    }
    const std::string shape = describeShapes(attribute->shapes);
    if (dot != std::string::npos && !attribute->hasMembers())
        return AttributeTestProblem{"", events + " have \"" + name + "\" as " + shape +
                                            ", with nothing inside: \"" + path + "\" never exists"};
    // Deeper inside a list or an object the shape is unknown here; at the top it is not.
    if (dot == std::string::npos && test.op == ValueTest::Op::AtLeast &&
        !(attribute->shapes & AttributeShape::Number))
        return AttributeTestProblem{"at_least", events + " have \"" + name + "\" as " + shape +
                                                    ", never a number: at_least never matches"};
    return std::nullopt;
}

} // namespace flowlab
