// grader/check.h: the instructor's self-check of a lab (`labkit-grader check`).
//
//   - the reference solution scores 100;
//   - every test matches exactly one rubric item (checked when the Grader is made);
//   - the skeleton (labs/<id>/student) compiles and scores at most
//     lab.json "skeleton_max_score";
//   - every known-buggy variant (labs/<id>/buggy/*.patch, applied with
//     `patch -p1` to a copy of solutions/<id>) compiles and loses points, in the
//     rubric items its `Caught-by:` header lines name.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "grader/grade.h"

namespace labkit::grader {

// The header of a buggy variant: the lines before the first "--- ".
struct BuggyVariant {
  std::filesystem::path patch;
  std::string description;             // first header line that is not "Caught-by:"
  std::vector<std::string> caught_by;  // rubric item names
};

BuggyVariant ParseBuggyPatch(const std::filesystem::path& patch, std::string_view text);

// Runs every check, printing one line per check to `out`, in order; grades
// `jobs` trees at a time (make the Grader run each tree's tests one at a time,
// GradeOptions::jobs = 1, so that the machine is not oversubscribed). Returns
// true if all pass.
bool RunSelfCheck(Grader& grader, std::ostream& out, bool color, int jobs = 1);

}  // namespace labkit::grader
