// grader/lab_config.cc: reading lab.json.
//
// Design: lab.json is written by instructors, by hand, and a mistake in it must
// surface when they run `./labkit check`, not as a puzzling score for a student.
// So parsing is strict: unknown keys, wrong types, duplicate names, rubric items
// naming a missing suite, and non-positive points are all errors whose message
// names the file and the JSON path (e.g. `rubric[2].points`). Limits stay
// optional here and are resolved per test by TestLimits, so that an item can
// override only the limits it cares about.
#include "grader/lab_config.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "grader/files.h"

namespace labkit::grader {
namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void Fail(const std::string& where, const std::string& what) const {
    throw LabConfigError(fmt::format("{}: {}: {}", source_, where, what));
  }

  void CheckKeys(const json& object, const std::string& where,
                 const std::set<std::string>& allowed) const {
    if (!object.is_object()) {
      Fail(where, "expected a JSON object");
    }
    for (const auto& [key, value] : object.items()) {
      if (!allowed.count(key)) {
        std::string known;
        for (const auto& k : allowed) {
          known += (known.empty() ? "" : ", ") + k;
        }
        Fail(where, fmt::format("unknown key \"{}\" (known keys: {})", key, known));
      }
    }
  }

  std::string String(const json& object, const std::string& where, const char* key, bool required,
                     const std::string& fallback = "") const {
    auto it = object.find(key);
    if (it == object.end()) {
      if (required) {
        Fail(where, fmt::format("missing required key \"{}\"", key));
      }
      return fallback;
    }
    if (!it->is_string()) {
      Fail(where + "." + key, "expected a string");
    }
    return it->get<std::string>();
  }

  std::optional<double> Number(const json& object, const std::string& where, const char* key,
                               bool positive) const {
    auto it = object.find(key);
    if (it == object.end()) {
      return std::nullopt;
    }
    if (!it->is_number()) {
      Fail(where + "." + key, "expected a number");
    }
    double value = it->get<double>();
    if (positive ? !(value > 0) : !(value >= 0)) {
      Fail(where + "." + key, positive ? "must be greater than 0" : "must not be negative");
    }
    return value;
  }

  std::vector<std::string> Strings(const json& object, const std::string& where, const char* key,
                                   bool required) const {
    auto it = object.find(key);
    if (it == object.end()) {
      if (required) {
        Fail(where, fmt::format("missing required key \"{}\"", key));
      }
      return {};
    }
    if (!it->is_array()) {
      Fail(where + "." + key, "expected an array of strings");
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        Fail(fmt::format("{}.{}[{}]", where, key, i), "expected a string");
      }
      out.push_back((*it)[i].get<std::string>());
    }
    return out;
  }

  LimitsSpec Limits(const json& object, const std::string& where) const {
    LimitsSpec limits;
    auto it = object.find("limits");
    if (it == object.end()) {
      return limits;
    }
    std::string here = where.empty() ? "limits" : where + ".limits";
    CheckKeys(*it, here,
              {"wall_seconds", "cpu_seconds", "memory_mb", "output_kb", "compile_seconds",
               "reference_multiple", "reference_floor_seconds"});
    limits.wall_seconds = Number(*it, here, "wall_seconds", true);
    limits.cpu_seconds = Number(*it, here, "cpu_seconds", true);
    limits.memory_mb = Number(*it, here, "memory_mb", true);
    limits.output_kb = Number(*it, here, "output_kb", true);
    limits.compile_seconds = Number(*it, here, "compile_seconds", true);
    limits.reference_multiple = Number(*it, here, "reference_multiple", true);
    limits.reference_floor_seconds = Number(*it, here, "reference_floor_seconds", true);
    return limits;
  }

 private:
  std::string source_;
};

bool SafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/') {
    return false;
  }
  std::filesystem::path p(path);
  for (const auto& part : p) {
    if (part == ".." || part == ".") {
      return false;
    }
  }
  return true;
}

}  // namespace

const SuiteConfig* LabConfig::FindSuite(std::string_view name) const {
  for (const auto& suite : suites) {
    if (suite.name == name) {
      return &suite;
    }
  }
  return nullptr;
}

double LabConfig::TotalPoints() const {
  double total = 0;
  for (const auto& item : rubric) {
    total += item.points;
  }
  return total;
}

LabConfig ParseLabConfig(std::string_view json_text, std::string_view source) {
  Reader r(source);
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw LabConfigError(fmt::format("{}: not valid JSON: {}", source, e.what()));
  }
  r.CheckKeys(
      root, "(top level)",
      {"id", "title", "order", "handout", "student_files", "suites", "limits", "skeleton_max_score",
       "rubric", "forbidden_symbols", "namespaces", "allowed_symbols", "budget_seconds"});
  LabConfig lab;
  lab.id = r.String(root, "(top level)", "id", true);
  if (lab.id.empty()) {
    r.Fail("id", "must not be empty");
  }
  lab.title = r.String(root, "(top level)", "title", false);
  if (auto it = root.find("order"); it != root.end()) {
    if (!it->is_number_integer()) {
      r.Fail("order", "expected an integer");
    }
    lab.order = it->get<int>();
  }
  lab.handout = r.String(root, "(top level)", "handout", false);
  lab.student_files = r.Strings(root, "(top level)", "student_files", true);
  if (lab.student_files.empty()) {
    r.Fail("student_files", "must list at least one file");
  }
  std::set<std::string> seen_files;
  for (size_t i = 0; i < lab.student_files.size(); ++i) {
    const auto& file = lab.student_files[i];
    std::string where = fmt::format("student_files[{}]", i);
    if (!SafeRelativePath(file)) {
      r.Fail(where, "must be a relative path without . or ..");
    }
    if (!file.ends_with(".cc")) {
      r.Fail(where, "students edit .cc files only");
    }
    if (!seen_files.insert(file).second) {
      r.Fail(where, "listed twice: " + file);
    }
  }
  lab.forbidden_symbols = r.Strings(root, "(top level)", "forbidden_symbols", false);
  for (size_t i = 0; i < lab.forbidden_symbols.size(); ++i) {
    std::string where = fmt::format("forbidden_symbols[{}]", i);
    if (lab.forbidden_symbols[i].empty()) {
      r.Fail(where, "must not be empty");
    }
    try {
      std::regex check(lab.forbidden_symbols[i], std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      r.Fail(where, std::string("not a valid regular expression: ") + e.what());
    }
  }
  lab.namespaces = r.Strings(root, "(top level)", "namespaces", false);
  if (lab.namespaces.empty()) {
    lab.namespaces = {lab.id};
  }
  for (size_t i = 0; i < lab.namespaces.size(); ++i) {
    const std::string& ns = lab.namespaces[i];
    bool identifier = !ns.empty() && !std::isdigit(static_cast<unsigned char>(ns[0]));
    for (char c : ns) {
      identifier = identifier && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    }
    if (!identifier || ns == "std") {
      r.Fail(fmt::format("namespaces[{}]", i), "must be a C++ identifier other than std");
    }
  }
  lab.allowed_symbols = r.Strings(root, "(top level)", "allowed_symbols", false);
  for (size_t i = 0; i < lab.allowed_symbols.size(); ++i) {
    try {
      std::regex check(lab.allowed_symbols[i], std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      r.Fail(fmt::format("allowed_symbols[{}]", i),
             std::string("not a valid regular expression: ") + e.what());
    }
  }
  lab.budget_seconds = r.Number(root, "(top level)", "budget_seconds", false).value_or(0);
  lab.limits = r.Limits(root, "");
  lab.skeleton_max_score = r.Number(root, "(top level)", "skeleton_max_score", false).value_or(0);
  if (lab.skeleton_max_score > 100) {
    r.Fail("skeleton_max_score", "must be at most 100");
  }

  auto suites = root.find("suites");
  if (suites == root.end() || !suites->is_array() || suites->empty()) {
    r.Fail("suites", "expected a non-empty array of suites");
  }
  for (size_t i = 0; i < suites->size(); ++i) {
    std::string where = fmt::format("suites[{}]", i);
    const json& s = (*suites)[i];
    r.CheckKeys(s, where, {"name", "kit", "config", "visibility"});
    SuiteConfig suite;
    suite.name = r.String(s, where, "name", true);
    if (suite.name.empty() || suite.name.find_first_of(" /=") != std::string::npos) {
      r.Fail(where + ".name", "must be a non-empty word (no spaces, '/' or '=')");
    }
    if (lab.FindSuite(suite.name)) {
      r.Fail(where + ".name", "duplicate suite \"" + suite.name + "\"");
    }
    suite.kit = r.String(s, where, "kit", true);
    if (!suite.kit.starts_with("//") || suite.kit.find(':') == std::string::npos) {
      r.Fail(where + ".kit", "expected a Bazel label like //labs/<id>:public_kit");
    }
    suite.config = r.String(s, where, "config", false);
    std::string visibility = r.String(s, where, "visibility", false, "visible");
    if (visibility == "visible") {
      suite.visibility = Visibility::kVisible;
    } else if (visibility == "hidden") {
      suite.visibility = Visibility::kHidden;
    } else {
      r.Fail(where + ".visibility",
             "must be \"visible\" or \"hidden\", not \"" + visibility + "\"");
    }
    lab.suites.push_back(suite);
  }

  auto rubric = root.find("rubric");
  if (rubric == root.end() || !rubric->is_array() || rubric->empty()) {
    r.Fail("rubric", "expected a non-empty array of rubric items");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < rubric->size(); ++i) {
    std::string where = fmt::format("rubric[{}]", i);
    const json& j = (*rubric)[i];
    r.CheckKeys(j, where, {"name", "suite", "tests", "points", "hint", "limits"});
    RubricItem item;
    item.name = r.String(j, where, "name", true);
    if (item.name.empty()) {
      r.Fail(where + ".name", "must not be empty");
    }
    if (!names.insert(item.name).second) {
      r.Fail(where + ".name", "duplicate rubric item \"" + item.name + "\"");
    }
    item.suite = r.String(j, where, "suite", true);
    if (!lab.FindSuite(item.suite)) {
      r.Fail(where + ".suite", "no suite named \"" + item.suite + "\" in \"suites\"");
    }
    item.tests = r.Strings(j, where, "tests", true);
    if (item.tests.empty()) {
      r.Fail(where + ".tests", "must list at least one test pattern");
    }
    for (const auto& pattern : item.tests) {
      if (pattern.empty() || pattern.find_first_of(" :") != std::string::npos) {
        r.Fail(where + ".tests", "bad pattern \"" + pattern +
                                     "\" (one Suite.Name pattern per entry; * and ? allowed)");
      }
    }
    auto points = r.Number(j, where, "points", true);
    if (!points) {
      r.Fail(where, "missing required key \"points\"");
    }
    item.points = *points;
    item.hint = r.String(j, where, "hint", false);
    item.limits = r.Limits(j, where);
    lab.rubric.push_back(item);
  }
  return lab;
}

LabConfig LoadLabConfig(const std::filesystem::path& path) {
  std::filesystem::path file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec) || path.extension() != ".json") {
    file = path / "lab.json";
  }
  std::optional<std::string> text = ReadWholeFile(file);
  if (!text) {
    throw LabConfigError(fmt::format("{}: cannot read it (does the lab exist?)", file.string()));
  }
  return ParseLabConfig(*text, file.string());
}

Limits TestLimits(const LabConfig& lab, const RubricItem& item,
                  const std::optional<ReferenceTiming>& reference) {
  auto pick = [](const std::optional<double>& a, const std::optional<double>& b, double d) {
    return a ? *a : b ? *b : d;
  };
  Limits limits;
  limits.wall_seconds = pick(item.limits.wall_seconds, lab.limits.wall_seconds, 10);
  limits.cpu_seconds = pick(item.limits.cpu_seconds, lab.limits.cpu_seconds, 10);
  if (reference) {
    // A hang costs a few seconds, not the lab's whole limit: the reference's
    // time for this test, times a generous multiple, with a floor for the
    // start-up every test pays (the sanitizers' runtime, the sandbox).
    double multiple = pick(item.limits.reference_multiple, lab.limits.reference_multiple, 10);
    double floor = pick(item.limits.reference_floor_seconds, lab.limits.reference_floor_seconds, 2);
    limits.wall_seconds =
        std::min(limits.wall_seconds, std::max(floor, multiple * reference->wall_seconds));
    limits.cpu_seconds =
        std::min(limits.cpu_seconds, std::max(floor, multiple * reference->cpu_seconds));
  }
  limits.memory_bytes = static_cast<std::uint64_t>(
      pick(item.limits.memory_mb, lab.limits.memory_mb, 1024) * 1024 * 1024);
  limits.output_bytes =
      static_cast<std::uint64_t>(pick(item.limits.output_kb, lab.limits.output_kb, 1024) * 1024);
  return limits;
}

double CompileSeconds(const LabConfig& lab) { return lab.limits.compile_seconds.value_or(120); }

BuildOptions BuildOptionsFor(const LabConfig& lab) {
  BuildOptions options;
  options.compile_seconds = CompileSeconds(lab);
  options.forbidden_symbols = lab.forbidden_symbols;
  options.namespaces = lab.namespaces;
  options.allowed_symbols = lab.allowed_symbols;
  return options;
}

}  // namespace labkit::grader
