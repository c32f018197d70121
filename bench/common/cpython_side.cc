#include "bench/common/cpython_side.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace labkit::bench {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

Settings SettingsFromEnv(int default_reps) {
  Settings settings;
  settings.reps = default_reps;
  if (const char* reps = std::getenv("LABKIT_BENCH_REPS")) {
    settings.reps = std::max(1, std::atoi(reps));
  }
  if (const char* python = std::getenv("LABKIT_PYTHON")) settings.python = python;
  return settings;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string FindRunfile(const char* argv0, const std::string& workspace_path) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("RUNFILES_DIR")) {
    candidates.push_back(std::string(dir) + "/labkit/" + workspace_path);
  }
  candidates.push_back(workspace_path);  // `bazel run` starts in the runfiles tree
  candidates.push_back(std::string(argv0) + ".runfiles/labkit/" + workspace_path);
  for (const std::string& candidate : candidates) {
    if (Exists(candidate)) return candidate;
  }
  return "";
}

std::string PythonVersion(const std::string& python) {
  std::string version;
  std::string command = Quote(python) + " -c 'import sys; print(sys.version.split()[0])' 2>&1";
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char line[256];
    if (std::fgets(line, sizeof line, pipe) != nullptr) version = line;
    if (pclose(pipe) != 0) version.clear();
  }
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) {
    version.pop_back();
  }
  return version;
}

std::map<std::string, std::vector<double>> RunPythonWorkloads(
    const std::string& python, const std::string& script, int reps,
    const std::vector<std::string>& names) {
  std::map<std::string, std::vector<double>> results;
  std::string command = Quote(python) + " " + Quote(script) + " " + std::to_string(reps);
  for (const std::string& name : names) command += " " + Quote(name);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return results;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::istringstream in(line);
    std::string name;
    double value = 0;
    int numbers = 0;
    if (!(in >> name)) continue;
    for (double number = 0; in >> number; ++numbers) value = number;
    if (numbers > 0) results[name].push_back(value);
  }
  pclose(pipe);
  return results;
}

double CPythonColumn::MedianOf(const std::string& name) const {
  auto it = ns_per_op.find(name);
  if (it == ns_per_op.end() || it->second.empty()) return -1;
  return Median(it->second);
}

CPythonColumn RunCPythonColumn(const char* argv0, const Settings& settings,
                               const std::string& script_path,
                               const std::vector<std::string>& names) {
  CPythonColumn column;
  std::string script = FindRunfile(argv0, script_path);
  if (script.empty()) {
    std::printf("%s not found in the runfiles: CPython column skipped\n", script_path.c_str());
    return column;
  }
  column.version = PythonVersion(settings.python);
  if (column.version.empty()) {
    std::printf("could not run %s: CPython column skipped\n", settings.python.c_str());
    return column;
  }
  column.ns_per_op = RunPythonWorkloads(settings.python, script, settings.reps, names);
  if (column.ns_per_op.empty()) {
    std::printf("%s %s printed no timings: CPython column skipped\n", settings.python.c_str(),
                script.c_str());
  }
  return column;
}

}  // namespace labkit::bench
