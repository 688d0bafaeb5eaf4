#pragma once

// Loads lesson files. Every problem names the file and the JSON pointer of the bad value,
// e.g. "lessons/docker-run.json: /steps/7/match/0/kind: unknown event kind \"sycall\"".

#include "tracer/base/Result.h"
#include "tracer/lesson/Lesson.h"

#include <string>
#include <string_view>

namespace flowlab {

Result<Lesson> parseLesson(std::string_view text, const std::string &file);
Result<Lesson> loadLesson(const std::string &path);

} // namespace flowlab
