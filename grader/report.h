// grader/report.h: a graded submission, told to a person and to Gradescope.
//
// Three audiences, three levels of detail:
//   - the student (terminal report, results.json): public tests with their
//     failure messages; hidden tests with ONLY their name, pass/fail, and the
//     rubric item's hint — never their output, expected values or code;
//   - the instructor (--instructor-log file, or the terminal with --instructor):
//     everything, including raw stdout/stderr and sanitizer reports.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "grader/grade.h"

namespace labkit::grader {

struct ReportOptions {
  bool color = false;       // ANSI colours (fmt/color.h)
  bool instructor = false;  // include instructor-only details
};

// The report for a terminal (or a log, with color = false).
std::string FormatReport(const GradeResult& result, const ReportOptions& options);

// Gradescope's results.json: one entry per rubric item.
nlohmann::json GradescopeResults(const GradeResult& result);

// Everything about every test, for the instructor only.
std::string InstructorLog(const GradeResult& result);

// "all public tests pass, but 2 hidden tests fail" when that is so, else "".
std::string HiddenFailureNote(const GradeResult& result);

}  // namespace labkit::grader
