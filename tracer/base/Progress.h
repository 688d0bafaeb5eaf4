#pragma once

// User-facing progress lines from long work ("starting dockerd in flowlab-docker"), shown by
// the CLI and the app while they wait.

#include <functional>
#include <string>

namespace flowlab {

using ProgressFn = std::function<void(const std::string &)>;

} // namespace flowlab
