#pragma once

// The attributes that events of each kind carry, as the code that makes those events sets
// them; tracer/bundle/SCHEMA.md ("Events") documents the same list for readers of traces.
// `flowlab-cli lesson lint` uses it to refuse a matcher that tests an attribute its kind
// never has. When a producer gains an attribute, add it here and to SCHEMA.md.

#include "tracer/model/Event.h"

#include <span>
#include <string>
#include <string_view>

namespace flowlab {

// What JSON an attribute holds, as bits: some hold one of several (a syscall's `flags` is a
// list of names, or for open(2) one string).
struct AttributeShape
{
    static constexpr unsigned Text = 1;
    static constexpr unsigned Number = 2;
    static constexpr unsigned Boolean = 4;
    static constexpr unsigned List = 8;
    static constexpr unsigned Object = 16; // members vary (an API body): any deeper path may exist
    static constexpr unsigned Any = Text | Number | Boolean | List | Object;
};

struct EventAttribute
{
    std::string_view name;
    unsigned shapes = AttributeShape::Any;

    // Whether a dotted path may go on inside this attribute ("body.Image", "argv.0").
    bool hasMembers() const { return shapes & (AttributeShape::List | AttributeShape::Object); }
};

// Every attribute events of `kind` may carry. Empty for a kind whose attributes are open:
// `log` notes come from any source, each with its own.
std::span<const EventAttribute> eventAttributes(EventKind kind);
bool eventAttributesAreOpen(EventKind kind);
const EventAttribute *findEventAttribute(EventKind kind, std::string_view name);

// "a string", "a number", "a string or a list".
std::string describeShapes(unsigned shapes);

// The shape of a JSON value (null: Any, "not known", allowed for every attribute).
unsigned attributeShapeOf(const nlohmann::json &value);
// Empty when every attribute of `event` is catalogued for its kind with a shape it may have;
// otherwise what is not ("process event "x" is not catalogued;"). For the tests of the code
// that makes events: lint judges matchers by this catalogue.
std::string uncataloguedAttributes(const Event &event);

} // namespace flowlab
