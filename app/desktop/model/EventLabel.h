#pragma once

// A short label for one captured event, for places that have a few words of room: the token
// that travels the diagram's edge, and a hop's name in a command's flow. It is written from
// the event alone, so that what a learner reads is what was captured:
//
//   api       "HEAD /_ping", "POST /containers/create → 404 Not Found"
//   packet    "SYN 192.168.56.2 → 192.168.56.10:8080", or its HTTP line
//             ("HEAD /v2/library/nginx/manifests/latest")
//   syscall   "unshare(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET)", long paths cut to "…/merged"
//   process   "exec containerd-shim-runc-v2 -namespace moby …"
//   grpc      "Containers/Create"
//   others    the summary, without its "component: " prefix
//
// Long hexadecimal IDs and digests keep their first 12 digits, and the whole is cut with "…"
// to at most `maxChars` characters.

#include "tracer/model/Event.h"

#include <cstddef>
#include <string>

namespace flowlab {

inline constexpr std::size_t kEventLabelChars = 56;

std::string eventLabel(const Event &event, std::size_t maxChars = kEventLabelChars);

// `text` cut to at most `maxChars` characters (not bytes), ending in "…" when cut.
std::string cutText(const std::string &text, std::size_t maxChars);

} // namespace flowlab
