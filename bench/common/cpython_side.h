// bench/common/cpython_side.h: what the benchmarks share.
//
// A labkit benchmark times a workload through a lab's reference and, in the same run,
// through CPython: a Python script under bench/<lab>/ that takes the repetitions and the
// workload names as arguments and prints one line per repetition,
//
//     <workload name> <operations> <ns per operation>     (or just: <name> <value>)
//
// Nothing here asserts on time; the benchmarks print tables of medians and ratios.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace labkit::bench {

// From the environment: LABKIT_BENCH_REPS (default `default_reps`) and LABKIT_PYTHON
// (default python3).
struct Settings {
  int reps = 7;
  std::string python = "python3";
};
Settings SettingsFromEnv(int default_reps = 7);

double Median(std::vector<double> values);  // 0 for none

// `workspace_path` (e.g. "bench/frames/fib.py") in this binary's runfiles, or "" if absent.
std::string FindRunfile(const char* argv0, const std::string& workspace_path);

// The interpreter's version ("3.11.7"), or "" if it does not run.
std::string PythonVersion(const std::string& python);

// Runs `python script reps names...` and returns the value (the last number of each line:
// ns per operation) of each repetition, by workload name. Empty if the script could not run.
std::map<std::string, std::vector<double>> RunPythonWorkloads(
    const std::string& python, const std::string& script, int reps,
    const std::vector<std::string>& names);

// The CPython column of a run: the script, the interpreter's version and its timings, or a
// printed note saying why the column is missing.
struct CPythonColumn {
  std::string version;  // "" when CPython did not run
  std::map<std::string, std::vector<double>> ns_per_op;

  // The median for `name`, or a negative number when there is none.
  double MedianOf(const std::string& name) const;
};
CPythonColumn RunCPythonColumn(const char* argv0, const Settings& settings,
                               const std::string& script_path,
                               const std::vector<std::string>& names);

}  // namespace labkit::bench
