// grader/files.h: reading a whole file, the one way the grader does it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace labkit::grader {

// The file's bytes, or nullopt if it cannot be opened. Callers say what a
// missing file means to them (a lab error, a kit error, a stale cache).
std::optional<std::string> ReadWholeFile(const std::filesystem::path& file);

}  // namespace labkit::grader
