// The frames benchmark: the same recursive Python functions run by the labkit VM (on your
// frame stack, or the reference with --config=reference) and by CPython (python3, spawned
// with bench/frames/fib.py), printed as ns per call and the ratio labkit / CPython.
//
//   fib(n)            naive Fibonacci: many shallow calls (push, pop, call, return)
//   deep(d) x t       down(d) = 0 if d == 0 else down(d - 1) + 1, t times: d + 1 frames deep,
//                     crossing chunk boundaries on the way down and back up
//
// Each workload runs once to warm up, then REPS times; the table shows the median. It is a
// benchmark, not a test: nothing here asserts on time. Environment: LABKIT_PYTHON picks the
// interpreter (default python3 on PATH), LABKIT_BENCH_REPS the repetitions (default 7).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "frames/code.h"
#include "frames/frame.h"
#include "frames/vm.h"
#include "labs/frames/tests/programs.h"

namespace {

using frames::Program;
using frames::ProgramBuilder;
using frames::ThreadState;
using frames::Value;

struct Workload {
  std::string name;  // as fib.py spells it: fib:N or deep:DEPTH:TIMES
  std::string label;
  std::string function;
  Value arg;
  int times;
  std::int64_t calls;
};

// def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
// def down(n): return 0 if n == 0 else down(n - 1) + 1
Program MakeProgram() {
  ProgramBuilder b;
  frames::programs::DefFib(b, 1);
  frames::programs::DefDown(b, 2);
  return b.Build();
}

std::int64_t FibCalls(int n) {  // 2 * F(n + 1) - 1
  std::int64_t a = 0, b = 1;
  for (int i = 0; i < n + 1; ++i) {
    std::int64_t c = a + b;
    a = b;
    b = c;
  }
  return 2 * a - 1;
}

Workload Fib(int n) {
  return {"fib:" + std::to_string(n), "fib(" + std::to_string(n) + ")", "fib", n, 1, FibCalls(n)};
}

Workload Deep(int depth, int times) {
  return {"deep:" + std::to_string(depth) + ":" + std::to_string(times),
          "deep(" + std::to_string(depth) + ") x" + std::to_string(times),
          "down",
          depth,
          times,
          static_cast<std::int64_t>(depth + 1) * times};
}

double Median(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ns per call of one repetition through the labkit VM.
double RunLabkit(ThreadState& ts, const Program& program, const Workload& w) {
  const int index = program.IndexOf(w.function);
  const Value arg = w.arg;
  auto start = std::chrono::steady_clock::now();
  volatile Value sink = 0;
  for (int t = 0; t < w.times; ++t) {
    sink = sink + frames::Eval(ts, program, index, {&arg, 1});
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
         static_cast<double>(w.calls);
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

// bench/frames/fib.py in this binary's runfiles.
std::string FindScript(const char* argv0) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("RUNFILES_DIR")) {
    candidates.push_back(std::string(dir) + "/labkit/bench/frames/fib.py");
  }
  candidates.push_back("bench/frames/fib.py");  // bazel run starts in the runfiles tree
  candidates.push_back(std::string(argv0) + ".runfiles/labkit/bench/frames/fib.py");
  for (const std::string& c : candidates) {
    if (Exists(c)) {
      return c;
    }
  }
  return "";
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// Runs fib.py; returns ns per call for each repetition of each workload (by name).
std::map<std::string, std::vector<double>> RunCPython(const std::string& python,
                                                      const std::string& script, int reps,
                                                      const std::vector<Workload>& workloads,
                                                      std::string& version) {
  std::map<std::string, std::vector<double>> results;
  {
    std::string cmd = Quote(python) + " -c 'import sys; print(sys.version.split()[0])' 2>&1";
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[256];
      if (std::fgets(buf, sizeof buf, p) != nullptr) {
        version = buf;
      }
      pclose(p);
      while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) {
        version.pop_back();
      }
    }
  }
  std::string cmd = Quote(python) + " " + Quote(script) + " " + std::to_string(reps);
  for (const Workload& w : workloads) {
    cmd += " " + w.name;
  }
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    return results;
  }
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::istringstream in(line);
    std::string name;
    long long calls = 0;
    double ns = 0;
    if (in >> name >> calls >> ns) {
      results[name].push_back(ns);
    }
  }
  pclose(pipe);
  return results;
}

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  int reps = 7;
  if (const char* r = std::getenv("LABKIT_BENCH_REPS")) {
    reps = std::max(1, std::atoi(r));
  }
  std::string python = "python3";
  if (const char* p = std::getenv("LABKIT_PYTHON")) {
    python = p;
  }

  const std::vector<Workload> workloads = {Fib(25), Fib(27), Deep(900, 200)};
  const Program program = MakeProgram();

  std::printf("frames benchmark: labkit VM vs CPython, %d repetitions each, median shown\n", reps);

  // The labkit VM. One ThreadState for the whole run, as a CPython thread keeps its data
  // stack; deep(900) needs the recursion limit it has by default (1000).
  std::map<std::string, std::vector<double>> labkit;
  try {
    ThreadState ts;
    for (const Workload& w : workloads) {
      RunLabkit(ts, program, w);  // warm-up
      for (int i = 0; i < reps; ++i) {
        labkit[w.name].push_back(RunLabkit(ts, program, w));
      }
    }
  } catch (const std::exception& e) {
    std::printf("labkit VM failed: %s\n(build with --config=reference, or finish the lab)\n",
                e.what());
    return 1;
  }

  std::string version;
  std::string script = FindScript(argv[0]);
  std::map<std::string, std::vector<double>> cpython;
  if (script.empty()) {
    std::printf("bench/frames/fib.py not found in the runfiles: CPython column skipped\n");
  } else {
    cpython = RunCPython(python, script, reps, workloads, version);
    if (cpython.empty()) {
      std::printf("could not run %s: CPython column skipped\n", python.c_str());
    }
  }
  std::printf("CPython: %s %s\n\n", python.c_str(),
              version.empty() ? "(not run)" : version.c_str());

  std::printf("%-16s %10s %16s %17s %20s\n", "workload", "calls", "labkit ns/call",
              "CPython ns/call", "ratio labkit/CPython");
  for (const Workload& w : workloads) {
    double ours = Median(labkit[w.name]);
    auto it = cpython.find(w.name);
    if (it == cpython.end() || it->second.empty()) {
      std::printf("%-16s %10lld %16.2f %17s %20s\n", w.label.c_str(),
                  static_cast<long long>(w.calls), ours, "-", "-");
      continue;
    }
    double theirs = Median(it->second);
    std::printf("%-16s %10lld %16.2f %17.2f %20.3f\n", w.label.c_str(),
                static_cast<long long>(w.calls), ours, theirs, ours / theirs);
  }
  std::printf(
      "\nns/call = wall time of the computation / number of Python-level calls. The labkit VM\n"
      "has 64-bit ints and no objects, reference counts or specialisation: the ratio compares\n"
      "call mechanics, not whole interpreters.\n");
  return 0;
}
