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
#include <map>
#include <string>
#include <vector>

#include "bench/common/cpython_side.h"
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

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  const labkit::bench::Settings settings = labkit::bench::SettingsFromEnv();
  const int reps = settings.reps;

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

  std::vector<std::string> names;
  for (const Workload& w : workloads) names.push_back(w.name);
  const labkit::bench::CPythonColumn cpython =
      labkit::bench::RunCPythonColumn(argv[0], settings, "bench/frames/fib.py", names);
  std::printf("CPython: %s %s\n\n", settings.python.c_str(),
              cpython.version.empty() ? "(not run)" : cpython.version.c_str());

  std::printf("%-16s %10s %16s %17s %20s\n", "workload", "calls", "labkit ns/call",
              "CPython ns/call", "ratio labkit/CPython");
  for (const Workload& w : workloads) {
    double ours = labkit::bench::Median(labkit[w.name]);
    double theirs = cpython.MedianOf(w.name);
    if (theirs < 0) {
      std::printf("%-16s %10lld %16.2f %17s %20s\n", w.label.c_str(),
                  static_cast<long long>(w.calls), ours, "-", "-");
      continue;
    }
    std::printf("%-16s %10lld %16.2f %17.2f %20.3f\n", w.label.c_str(),
                static_cast<long long>(w.calls), ours, theirs, ours / theirs);
  }
  std::printf(
      "\nns/call = wall time of the computation / number of Python-level calls. The labkit VM\n"
      "has 64-bit ints and no objects, reference counts or specialisation: the ratio compares\n"
      "call mechanics, not whole interpreters.\n");
  return 0;
}
