// grader/report.cc: turning a GradeResult into words.
//
// Design: what may be shown is decided in ONE place per audience, by the
// suite's visibility, never by the caller: StudentTestLine below is the only
// function that formats a test for a student, and for a hidden suite it emits
// the name and PASS/FAIL and nothing else (the hint is printed per item). Raw
// output, stderr and sanitizer reports only ever go through InstructorLog or
// the `instructor` option. Students are never told "all tests pass" when only
// the public ones do (a common complaint about autograders).
#include "grader/report.h"

#include <fmt/color.h>
#include <fmt/format.h>

#include <regex>
#include <set>

namespace labkit::grader {
namespace {

bool IsHidden(const SuiteConfig* suite) {
  return suite && suite->visibility == Visibility::kHidden;
}

std::string Points(double value) {
  std::string s = fmt::format("{:.2f}", value);
  while (s.back() == '0') {
    s.pop_back();
  }
  if (s.back() == '.') {
    s.pop_back();
  }
  return s;
}

std::string Indent(const std::string& text, const std::string& prefix, size_t max_bytes) {
  std::string out;
  std::string body = text.size() > max_bytes ? text.substr(0, max_bytes) + "\n..." : text;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string::npos) {
      end = body.size();
    }
    out += prefix + body.substr(at, end - at) + "\n";
    at = end + 1;
  }
  return out;
}

const SuiteConfig* SuiteOf(const GradeResult& r, const RubricItem& item) {
  return r.lab.FindSuite(item.suite);
}

class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string Pass(const std::string& s) const { return Paint(s, fmt::fg(fmt::color::green)); }
  std::string Fail(const std::string& s) const { return Paint(s, fmt::fg(fmt::color::red)); }
  std::string Bold(const std::string& s) const { return Paint(s, fmt::emphasis::bold); }
  std::string Dim(const std::string& s) const { return Paint(s, fmt::fg(fmt::color::gray)); }
  std::string Warn(const std::string& s) const { return Paint(s, fmt::fg(fmt::color::orange)); }

 private:
  std::string Paint(const std::string& s, fmt::text_style style) const {
    return color_ ? fmt::format(style, "{}", s) : s;
  }
  bool color_;
};

// The one place a test is formatted for a student.
std::string StudentTestLine(const GradeResult& r, const SuiteConfig* suite, const TestScore& t,
                            const Painter& paint) {
  std::string status = t.passed ? paint.Pass("PASS") : paint.Fail("FAIL");
  std::string line = fmt::format("    {} {}", status, t.name);
  if (IsHidden(suite)) {
    return line + "\n";
  }
  if (t.passed && t.fraction < 1.0) {
    line += fmt::format(" (earned {:.0f}% of its points)", t.fraction * 100);
  }
  line += "\n";
  if (!t.passed) {
    const TestRun* run = suite ? r.FindRun(suite->name, t.name) : nullptr;
    if (run == nullptr) {
      return line + "         not run\n";
    }
    line += "         " + run->reason + "\n";
    // The test's own assertion messages: public tests only.
    if (run->reason.starts_with("failed")) {
      for (size_t i = 0; i < run->failure_messages.size() && i < 3; ++i) {
        line += Indent(run->failure_messages[i], "           ", 600);
      }
    }
  }
  return line;
}

// Build errors a student may see. A failure to link with a HIDDEN kit is reduced
// to the missing or duplicate symbols, so no hidden test code is quoted.
std::string StudentBuildErrors(const SuiteResult& s) {
  if (s.build.stage == "intake") {
    return "";
  }
  if (!IsHidden(s.suite) || s.build.stage == kStageCompile || s.build.stage == kStageRules ||
      s.build.stage == "budget") {
    return s.build.errors;
  }
  static const std::regex symbol(
      R"((undefined reference to|multiple definition of) [`'"]([^'"`]+)['"`])");
  std::set<std::string> found;
  for (std::sregex_iterator it(s.build.log.begin(), s.build.log.end(), symbol), end; it != end;
       ++it) {
    found.insert((*it)[1].str() + " '" + (*it)[2].str() + "'");
  }
  std::string out = "the submission does not link with the hidden tests:\n";
  for (const auto& f : found) {
    out += "  " + f + "\n";
  }
  if (found.empty()) {
    out += "  (check that every function the lab's headers declare is defined once)\n";
  }
  return out;
}

std::string BuildErrorsForStudent(const GradeResult& r) {
  const SuiteResult* failed = nullptr;
  for (const auto& s : r.suites) {
    if (!s.build.ok && (!failed || (IsHidden(failed->suite) && !IsHidden(s.suite)))) {
      failed = &s;
    }
  }
  return failed ? StudentBuildErrors(*failed) : "";
}

std::string FilesSection(const GradeResult& r) {
  std::string out;
  if (!r.intake_error.empty()) {
    out += "Upload rejected: " + r.intake_error + "\n";
  }
  if (std::string rule = r.RejectedRule(); !rule.empty()) {
    out += "Code rejected: the submission " + rule + ". Nothing was run; the score is 0.\n";
  }
  if (r.nothing_submitted) {
    std::string files;
    for (const auto& f : r.lab.student_files) {
      files += (files.empty() ? "" : ", ") + f;
    }
    out += "Nothing to grade: the upload holds none of the lab's files (" + files +
           "). Upload them (anywhere in a folder or a .zip); the score is 0.\n";
  }
  for (const auto& note : r.notes) {
    out += "Note: " + note + "\n";
  }
  if (!r.accepted.empty()) {
    out += "Graded files:\n";
    for (const auto& a : r.accepted) {
      out += "  " + a + "\n";
    }
  }
  if (!r.missing.empty()) {
    out += "Missing files (the lab's skeleton was used instead):\n";
    for (const auto& m : r.missing) {
      out += "  " + m + "\n";
    }
  }
  if (!r.ignored.empty()) {
    out += "Ignored files (not part of the lab's allow-list):\n";
    size_t shown = 0;
    for (const auto& i : r.ignored) {
      if (++shown > 20) {
        out += fmt::format("  ... and {} more\n", r.ignored.size() - 20);
        break;
      }
      out += "  " + i + "\n";
    }
  }
  return out;
}

int CountFailures(const GradeResult& r, bool hidden) {
  int failed = 0;
  for (const auto& item : r.score.items) {
    if (IsHidden(SuiteOf(r, *item.item)) != hidden) {
      continue;
    }
    for (const auto& t : item.tests) {
      failed += t.passed ? 0 : 1;
    }
  }
  return failed;
}

std::string BudgetNote(const GradeResult& r) {
  if (r.Status() != GradeStatus::kOutOfTime) {
    return "";
  }
  return fmt::format(
      "The submission ran out of its time budget ({} s for the whole grade): {} test{} did not "
      "run and score 0. Look for tests that time out.",
      r.lab.budget_seconds, r.tests_not_run, r.tests_not_run == 1 ? "" : "s");
}

std::string SummaryText(const GradeResult& r) {
  std::string out = fmt::format("Score: {} / 100\n", Points(r.score.total));
  if (std::string note = BudgetNote(r); !note.empty()) {
    out += note + "\n";
  }
  if (!r.Compiled() && r.intake_error.empty() && r.RejectedRule().empty() && !r.nothing_submitted) {
    out += "The submission does not build, so no test could run. First errors:\n";
    out += BuildErrorsForStudent(r);
  }
  std::string note = HiddenFailureNote(r);
  if (!note.empty()) {
    out += note + "\n";
  }
  return out;
}

}  // namespace

std::string HiddenFailureNote(const GradeResult& r) {
  if (!r.Compiled()) {
    return "";
  }
  int public_failed = CountFailures(r, false);
  int hidden_failed = CountFailures(r, true);
  if (public_failed == 0 && hidden_failed > 0) {
    return fmt::format("All public tests pass, but {} hidden test{} fail{}.", hidden_failed,
                       hidden_failed == 1 ? "" : "s", hidden_failed == 1 ? "s" : "");
  }
  return "";
}

std::string FormatReport(const GradeResult& r, const ReportOptions& options) {
  Painter paint(options.color);
  std::string out = paint.Bold(fmt::format("labkit: {} — {}", r.lab.id, r.lab.title)) + "\n";
  out += FilesSection(r);
  if (!r.Compiled() && r.intake_error.empty() && r.RejectedRule().empty() && !r.nothing_submitted) {
    out += paint.Fail("Build failed") + " — first errors:\n" +
           Indent(BuildErrorsForStudent(r), "  ", 8192);
  }
  out += "\n";
  for (const auto& item : r.score.items) {
    const SuiteConfig* suite = SuiteOf(r, *item.item);
    bool all = item.passed == static_cast<int>(item.tests.size());
    std::string mark = all ? paint.Pass("[ok]") : paint.Fail("[--]");
    out += fmt::format("{} {}  {} / {}{}\n", mark, paint.Bold(item.item->name), Points(item.earned),
                       Points(item.possible), IsHidden(suite) ? paint.Dim("  (hidden tests)") : "");
    for (const auto& t : item.tests) {
      out += StudentTestLine(r, suite, t, paint);
    }
    if (!all && !item.item->hint.empty()) {
      out += paint.Dim("    hint: " + item.item->hint) + "\n";
    }
  }
  out += "\n" + paint.Bold(fmt::format("Score: {} / 100", Points(r.score.total))) + "\n";
  if (std::string budget = BudgetNote(r); !budget.empty()) {
    out += paint.Warn(budget) + "\n";
  }
  std::string note = HiddenFailureNote(r);
  if (!note.empty()) {
    out += paint.Warn(note) + "\n";
  }
  if (options.instructor) {
    out += "\n" + InstructorLog(r);
  }
  return out;
}

nlohmann::json GradescopeResults(const GradeResult& r) {
  nlohmann::json tests = nlohmann::json::array();
  int number = 0;
  for (const auto& item : r.score.items) {
    const SuiteConfig* suite = SuiteOf(r, *item.item);
    bool hidden = IsHidden(suite);
    bool all = item.passed == static_cast<int>(item.tests.size());
    std::string output;
    if (!r.intake_error.empty()) {
      output += "Not run: the upload was rejected.\n";
    } else if (!r.RejectedRule().empty()) {
      output += "Not run: the code was rejected (see above).\n";
    } else if (r.nothing_submitted) {
      output += "Not run: none of the lab's files were uploaded.\n";
    } else if (!r.Compiled()) {
      output += "Not run: the submission did not build.\n";
    }
    Painter plain(false);
    for (const auto& t : item.tests) {
      output += StudentTestLine(r, suite, t, plain);
    }
    if (!all && !item.item->hint.empty()) {
      output += "Hint: " + item.item->hint + "\n";
    }
    tests.push_back({{"name", item.item->name},
                     {"number", std::to_string(++number)},
                     {"score", std::round(item.earned * 100) / 100},
                     {"max_score", std::round(item.possible * 100) / 100},
                     {"status", all ? "passed" : "failed"},
                     {"visibility", "visible"},
                     {"tags", nlohmann::json::array({hidden ? "hidden" : "public"})},
                     {"output", output},
                     {"output_format", "text"}});
  }
  return {{"score", std::round(r.score.total * 100) / 100},
          {"execution_time", static_cast<int>(std::ceil(r.seconds))},
          {"output", FilesSection(r) + SummaryText(r)},
          {"output_format", "text"},
          {"visibility", "visible"},
          {"stdout_visibility", "hidden"},
          {"extra_data", {{"lab", r.lab.id}, {"status", StatusName(r.Status())}}},
          {"tests", tests}};
}

std::string InstructorLog(const GradeResult& r) {
  double in_sandbox = 0;
  int runs = 0;
  for (const auto& s : r.suites) {
    for (const auto& [name, run] : s.runs) {
      in_sandbox += run.seconds;
      runs += run.not_run ? 0 : 1;
    }
  }
  std::string out = fmt::format(
      "== instructor log: {} — score {} / 100, {} ({:.1f} s: build {:.1f} s, {} test runs "
      "{:.1f} s, {:.1f} s of them inside the sandbox)\n",
      r.lab.id, Points(r.score.total), StatusName(r.Status()), r.seconds, r.build_seconds, runs,
      r.seconds - r.build_seconds, in_sandbox);
  for (const auto& note : r.instructor_notes) {
    out += "note: " + note + "\n";
  }
  if (r.tampered) {
    out +=
        "!! TAMPERING: some tests' result records had a wrong nonce or were forged; the code "
        "may read the harness's private pipes (look for static initialisers, fd games).\n";
  }
  out += FilesSection(r);
  for (const auto& s : r.suites) {
    if (r.nothing_submitted) {
      break;
    }
    out += fmt::format("\n-- suite {} ({}): build {}\n", s.suite->name,
                       IsHidden(s.suite) ? "hidden" : "visible",
                       s.build.ok ? "ok" : s.build.stage + " failed");
    if (!s.build.ok && !s.build.log.empty()) {
      out += Indent(s.build.log, "   | ", 16384);
    }
    for (const auto& [name, run] : s.runs) {
      out += fmt::format("  {} {}  ({:.2f} s){}\n", run.passed ? "PASS" : "FAIL", name, run.seconds,
                         run.passed ? "" : "  " + run.reason);
      if (run.passed && run.fraction < 1) {
        out += fmt::format("     fraction {:.3f}\n", run.fraction);
      }
      if (run.tampered) {
        out += "     tampering: " + run.detail + "\n";
      }
      if (!run.passed) {
        if (!run.detail.empty()) {
          out += "     sandbox: " + run.detail + "\n";
        }
        for (const auto& m : run.failure_messages) {
          out += Indent(m, "     msg| ", 2048);
        }
        if (!run.stderr_data.empty()) {
          out += Indent(run.stderr_data, "  stderr| ", 8192);
        }
        if (!run.stdout_data.empty()) {
          out += Indent(run.stdout_data, "  stdout| ", 4096);
        }
      }
    }
  }
  return out;
}

}  // namespace labkit::grader
