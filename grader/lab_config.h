// grader/lab_config.h: a lab's lab.json, read and checked (schema: docs/architecture.md).
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "grader/build.h"
#include "grader/sandbox.h"

namespace labkit::grader {

// lab.json is missing, malformed or inconsistent. The message names the file and
// the field, and says what is expected.
class LabConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Limits as written in lab.json: every field optional, so an item can override a few.
struct LimitsSpec {
  std::optional<double> wall_seconds;
  std::optional<double> cpu_seconds;
  std::optional<double> memory_mb;
  std::optional<double> output_kb;
  std::optional<double> compile_seconds;
  // Per-test time limits derived from the reference's measured time: the
  // reference's wall (CPU) seconds for that test times `reference_multiple`,
  // at least `reference_floor_seconds`, and never more than wall_seconds
  // (cpu_seconds). Defaults 10 and 2.
  std::optional<double> reference_multiple;
  std::optional<double> reference_floor_seconds;
};

enum class Visibility { kVisible, kHidden };

struct SuiteConfig {
  std::string name;    // "public", "hidden"
  std::string kit;     // Bazel label of the suite's lab_kit
  std::string config;  // .bazelrc config the kit is built in ("sanitize", "tsan", "opt", "")
  Visibility visibility = Visibility::kVisible;
};

struct RubricItem {
  std::string name;
  std::string suite;
  std::vector<std::string> tests;  // GoogleTest-style patterns over Suite.Name
  double points = 0;
  std::string hint;
  LimitsSpec limits;  // overrides of the lab's limits
};

struct LabConfig {
  std::string id;
  std::string title;
  int order = 0;
  std::string handout;
  std::vector<std::string> student_files;  // the allow-list, relative paths
  std::vector<SuiteConfig> suites;
  LimitsSpec limits;
  double skeleton_max_score = 0;
  std::vector<RubricItem> rubric;
  // Extra symbol patterns a submission's objects may neither define nor use (ECMAScript
  // regexes over demangled names, on top of the grader's built-in list; grader/build.h).
  std::vector<std::string> forbidden_symbols;
  // The namespaces a submission may define symbols in (default: {id}), and extra
  // definitions it may make (regexes over demangled names); grader/object_rules.h.
  std::vector<std::string> namespaces;
  std::vector<std::string> allowed_symbols;
  // Wall-clock seconds one submission's whole grade may take (build and tests);
  // tests not started by then are not run. 0: no budget.
  double budget_seconds = 0;

  const SuiteConfig* FindSuite(std::string_view name) const;
  double TotalPoints() const;
};

// Parses lab.json text; `source` names it in error messages.
LabConfig ParseLabConfig(std::string_view json_text, std::string_view source);

// Reads <lab_dir>/lab.json (or `path` itself when it names a file).
LabConfig LoadLabConfig(const std::filesystem::path& path);

// What the reference took to run one test (grade.h caches it).
struct ReferenceTiming {
  double wall_seconds = 0;
  double cpu_seconds = 0;
};

// The sandbox limits of one test of `item`: the item's overrides, then the lab's
// limits, then defaults (10 s wall, 10 s CPU, 1 GiB, 1 MiB of output). With the
// reference's timing, the time limits are derived from it (see LimitsSpec).
Limits TestLimits(const LabConfig& lab, const RubricItem& item,
                  const std::optional<ReferenceTiming>& reference = std::nullopt);

// Seconds allowed to compile one file (lab "compile_seconds", default 120).
double CompileSeconds(const LabConfig& lab);

// How to build a submission of `lab`: its compile limit and its forbidden symbols.
BuildOptions BuildOptionsFor(const LabConfig& lab);

}  // namespace labkit::grader
