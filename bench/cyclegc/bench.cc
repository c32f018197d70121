// The cyclegc benchmark: the same object graphs collected by the lab's cycle collector (your
// track.cc and collect.cc, or the reference with --config=reference) and by CPython's
// gc.collect() (python3, spawned with bench/cyclegc/collect.py), printed as ns per object
// and the ratio CPython / labkit (above 1: the lab's collector is faster).
//
//   ring     N instances, each holding the next, the last the first      (all garbage)
//   clique   N lists, each holding all N: N * N references                 (all garbage)
//   tree     a complete binary tree of N instances with parent links       (all garbage)
//   random   N lists, each holding the next and 4 pseudo-random others     (all garbage)
//   live     a list of N instances holding an int and a str each           (all survive)
//
// The C++ side builds them with labs/cyclegc/tests/graphs.h and drops the entry reference;
// collect.py builds the same structures (same counts, same edges in the same order; lists
// for lists, classes with __slots__ for instances). Only the collection is timed: a full
// collection, Collect(2) / gc.collect(), with automatic collection disabled while building
// (cyclegc::Disable() / gc.disable()). ns/object = the collection's time / N. Sizes are
// 1e4, 1e5 and 1e6 objects (cliques: 100, 300 and 1000 lists, as they are quadratic). Each
// measurement is repeated REPS times, every time on a freshly built structure; the table
// shows the medians. The two sides take turns, repetition by repetition (collect.py runs
// as a server: one repetition per request), so that both columns see the same machine: on
// a shared 2-core machine, a build running beside the benchmark slows either side down by
// up to half for seconds at a time. Not a test: nothing asserts on time.
// Environment: LABKIT_PYTHON picks the interpreter (default python3), LABKIT_BENCH_REPS the
// repetitions (default 5).
//
// ==========================================================================================
// What is comparable, and what is not
// ==========================================================================================
//
// The same work: both collectors run the same algorithm over the same set (the lab's is
// CPython 3.12's gc_collect_main; 3.11's runs the same steps, plus one walk of the garbage
// for weak references and, in full collections, one of the survivors to untrack dicts):
// update_refs, subtract_refs and move_unreachable over every object, the finalizer pass
// and the second deduction over the unreachable objects (handle_resurrected_objects:
// CPython runs both in every collection), then tp_clear on each garbage object -- and the
// deallocations that clearing sets off: the time includes freeing the garbage, on both
// sides. For the live heap it is the walks over the survivors (the three of the deduction,
// untrack_tuples, and counting them for long_lived_total).
//
// The same set: the lab's collector sees only objects made after Install(), i.e. only the
// benchmark's. CPython's gc.collect() walks every object the interpreter has tracked
// (modules, functions, classes: about 11,000 objects and 1.4 ms for python3.11 here).
// collect.py therefore calls gc.freeze() first -- the permanent generation is never
// collected -- and then measures, before every timed collection, a baseline gc.collect()
// with none of the benchmark's objects alive (what remains: the call, clearing the free
// lists, the empty walks: under a microsecond) and subtracts it. The C++ side does the same
// with its own baseline. Both are printed.
//
// Not the same:
//   - Memory. CPython allocates from pymalloc, which keeps each size class in pools of its
//     own and frees into a pool's free list in a few instructions. Lab 2's ObjectAlloc calls
//     calloc, and glibc's malloc interleaves every size: a walk of a list of 10^5..10^6
//     objects then touches about twice the memory, and costs more than the collector's own
//     work. This benchmark therefore links mimalloc (Debian's libmimalloc2.0; linked in, it
//     replaces malloc for the whole process), which also keeps size classes apart. With
//     glibc's malloc, labkit's times at 10^5..10^6 objects are 1.0 to 1.6 times these (2.2
//     on the live heap).
//   - Lab 2's object model is a debug build: out-of-line Incref/Decref keeping a total
//     reference count, live-object counters in ObjectAlloc / ObjectFree, the collector's
//     hooks called through function pointers. CPython 3.11 is a release build (inline
//     Py_INCREF/Py_DECREF).
//   - Instances. The benchmark's instances are of PlainInstanceType() (graphs.h): lab 2's
//     instance type without its tp_finalize, as a Python class without __del__ has none.
//     A lab instance is 24 bytes bigger (ob_size, finalizer, its argument); a CPython
//     instance's tp_traverse also visits its class (a heap type), one extra visit each.
// So the ratio compares the two collectors together with their object models and
// allocators, as a user of each would see them; the labkit column carries costs that
// CPython's does not.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "bench/common/cpython_side.h"
#include "cyclegc/gc.h"
#include "labs/cyclegc/tests/graphs.h"
#include "refcount/object.h"

namespace {

using refcount::Object;
using refcount::Py_ssize_t;
using Clock = std::chrono::steady_clock;

// collect.py's RANDOM_DEGREE and RANDOM_SEED: the same random graphs on both sides.
constexpr int kRandomDegree = 4;
constexpr std::uint64_t kRandomSeed = 0x9E3779B97F4A7C15;

Object* MakeRandom(Py_ssize_t n) {
  return cyclegc::testing::MakeRandomGraph(n, kRandomDegree, kRandomSeed);
}

// Instances of PlainInstanceType(): no tp_finalize, like those of collect.py's classes,
// which have no __del__.
Object* MakePlainRing(Py_ssize_t n) {
  return cyclegc::testing::MakeRing(n, cyclegc::testing::PlainInstanceType());
}
Object* MakePlainTree(Py_ssize_t n) {
  return cyclegc::testing::MakeTreeWithParents(n, cyclegc::testing::PlainInstanceType());
}
Object* MakePlainLive(Py_ssize_t n) {
  return cyclegc::testing::MakeLiveObjects(n, cyclegc::testing::PlainInstanceType());
}

struct Workload {
  std::string shape;  // collect.py's name for it
  Py_ssize_t n;       // objects in the structure (what ns/object divides by)
  Py_ssize_t references;
  Object* (*build)(Py_ssize_t n);  // a new reference to the entry
  bool survives;                   // live: the entry is kept across the collection

  std::string Name() const { return shape + ":" + std::to_string(n); }
};

std::vector<Workload> Workloads() {
  std::vector<Workload> workloads;
  for (Py_ssize_t n : {10'000, 100'000, 1'000'000}) {
    workloads.push_back({"ring", n, n, MakePlainRing, false});
  }
  for (Py_ssize_t n : {100, 300, 1'000}) {
    workloads.push_back({"clique", n, n * n, cyclegc::testing::MakeClique, false});
  }
  for (Py_ssize_t n : {10'000, 100'000, 1'000'000}) {
    workloads.push_back({"tree", n, 2 * (n - 1), MakePlainTree, false});
  }
  for (Py_ssize_t n : {10'000, 100'000, 1'000'000}) {
    workloads.push_back({"random", n, (kRandomDegree + 1) * n, MakeRandom, false});
  }
  for (Py_ssize_t n : {10'000, 100'000, 1'000'000}) {
    // The holder list's n references, and each instance's int and str.
    workloads.push_back({"live", n, 3 * n, MakePlainLive, true});
  }
  return workloads;
}

double NsSince(Clock::time_point start) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

// A full collection and its time; `found` gets Collect's result.
double TimedCollect(Py_ssize_t* found) {
  const Clock::time_point start = Clock::now();
  *found = cyclegc::Collect(cyclegc::kNumGenerations - 1);
  return NsSince(start);
}

// A full collection with none of the benchmark's objects alive.
double BaselineNs() {
  Py_ssize_t found = 0;
  return TimedCollect(&found);
}

// One repetition: builds the shape with automatic collection off, collects, and returns the
// collection's ns per object (baseline subtracted). Warns if the collector found a number of
// objects other than the structure's.
double RunOnce(const Workload& w) {
  const double baseline = BaselineNs();
  Object* entry = w.build(w.n);
  if (!w.survives) {
    refcount::Decref(entry);  // now only the collector can free it
  }
  Py_ssize_t found = 0;
  const double elapsed = TimedCollect(&found);
  if (w.survives) {
    refcount::Decref(entry);  // freed by refcounting, outside the timing
  }
  const Py_ssize_t expected = w.survives ? 0 : w.n;
  if (found != expected) {
    std::printf("warning: %s: the collector found %lld objects, expected %lld\n", w.Name().c_str(),
                static_cast<long long>(found), static_cast<long long>(expected));
  }
  return std::max(elapsed - baseline, 0.0) / static_cast<double>(w.n);
}

// collect.py --serve in a child process: each request (a workload name on its stdin) runs
// one repetition and answers with one line, `<workload> <objects found> <ns per object>`
// (or `baseline <ns>`), the format of the other benchmarks' scripts.
class PythonSide {
 public:
  // An empty `python`: no server (every RunOnce answers -1).
  PythonSide(const std::string& python, const std::string& script) {
    if (python.empty()) return;
    int requests[2];
    int replies[2];
    if (pipe(requests) != 0) return;
    if (pipe(replies) != 0) {
      close(requests[0]);
      close(requests[1]);
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(requests[0], STDIN_FILENO);
      dup2(replies[1], STDOUT_FILENO);
      for (int fd : {requests[0], requests[1], replies[0], replies[1]}) close(fd);
      execlp(python.c_str(), python.c_str(), script.c_str(), "--serve", nullptr);
      _exit(127);
    }
    close(requests[0]);
    close(replies[1]);
    if (pid_ < 0) {
      close(requests[1]);
      close(replies[0]);
      return;
    }
    requests_ = fdopen(requests[1], "w");
    replies_ = fdopen(replies[0], "r");
  }

  ~PythonSide() {
    if (requests_ != nullptr) std::fclose(requests_);  // end of requests: the server exits
    if (replies_ != nullptr) std::fclose(replies_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }

  PythonSide(const PythonSide&) = delete;
  PythonSide& operator=(const PythonSide&) = delete;

  // One repetition of `workload`: ns per object (or per collection, for "baseline"), and in
  // `found` the number before it, if any. Negative if the server did not answer.
  double RunOnce(const std::string& workload, double* found = nullptr) {
    if (requests_ == nullptr || replies_ == nullptr) return -1;
    std::fprintf(requests_, "%s\n", workload.c_str());
    std::fflush(requests_);
    char line[512];
    if (std::fgets(line, sizeof line, replies_) == nullptr) return -1;
    std::istringstream in(line);
    std::string name;
    std::vector<double> numbers;
    in >> name;
    for (double number = 0; in >> number;) numbers.push_back(number);
    if (name != workload || numbers.empty()) return -1;
    if (found != nullptr && numbers.size() > 1) *found = numbers.front();
    return numbers.back();
  }

 private:
  pid_t pid_ = -1;
  FILE* requests_ = nullptr;
  FILE* replies_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  std::signal(SIGPIPE, SIG_IGN);  // a server that died shows as a missing answer instead
  const labkit::bench::Settings settings = labkit::bench::SettingsFromEnv(/*default_reps=*/5);
  const int reps = settings.reps;

  std::printf(
      "cyclegc benchmark: labkit collector vs CPython gc.collect(), full collections, %d "
      "repetitions each, median\n",
      reps);

  // The CPython side: started before the lab's side has built anything (fork copies the
  // address space).
  const std::string script = labkit::bench::FindRunfile(argv[0], "bench/cyclegc/collect.py");
  const std::string version = script.empty() ? "" : labkit::bench::PythonVersion(settings.python);
  if (script.empty()) {
    std::printf("bench/cyclegc/collect.py not found in the runfiles: CPython column skipped\n");
  } else if (version.empty()) {
    std::printf("could not run %s: CPython column skipped\n", settings.python.c_str());
  }
  PythonSide cpython(version.empty() ? "" : settings.python, script);
  std::printf("CPython: %s %s\n", settings.python.c_str(),
              version.empty() ? "(not run)" : version.c_str());

  const std::int64_t live_before = refcount::LiveObjects();
  try {
    cyclegc::Install();
    cyclegc::Disable();  // automatic collection off: only the timed Collect runs

    std::vector<double> labkit_baseline;
    std::vector<double> cpython_baseline;
    for (int i = 0; i < reps; ++i) {
      labkit_baseline.push_back(BaselineNs());
      if (const double ns = cpython.RunOnce("baseline"); ns >= 0) cpython_baseline.push_back(ns);
    }
    std::printf("baseline (a full collection with none of the objects below), subtracted:\n");
    std::printf("  labkit %.0f ns", labkit::bench::Median(labkit_baseline));
    if (!cpython_baseline.empty()) {
      std::printf(", CPython %.0f ns (after gc.freeze())\n\n",
                  labkit::bench::Median(cpython_baseline));
    } else {
      std::printf(", CPython -\n\n");
    }

    std::printf("%-8s %9s %11s %17s %18s %16s\n", "shape", "objects", "references",
                "labkit ns/object", "CPython ns/object", "CPython/labkit");
    for (const Workload& w : Workloads()) {
      std::vector<double> labkit;
      std::vector<double> theirs;
      for (int i = 0; i < reps; ++i) {
        labkit.push_back(RunOnce(w));
        double found = -1;
        if (const double ns = cpython.RunOnce(w.Name(), &found); ns >= 0) {
          theirs.push_back(ns);
          const double expected = w.survives ? 0 : static_cast<double>(w.n);
          if (found != expected) {
            std::printf("warning: %s: CPython found %.0f objects, expected %.0f\n",
                        w.Name().c_str(), found, expected);
          }
        }
      }
      const double ours = labkit::bench::Median(labkit);
      if (theirs.empty()) {
        std::printf("%-8s %9lld %11lld %17.1f %18s %16s\n", w.shape.c_str(),
                    static_cast<long long>(w.n), static_cast<long long>(w.references), ours, "-",
                    "-");
      } else {
        const double cpython_ns = labkit::bench::Median(theirs);
        std::printf("%-8s %9lld %11lld %17.1f %18.1f %16.2f\n", w.shape.c_str(),
                    static_cast<long long>(w.n), static_cast<long long>(w.references), ours,
                    cpython_ns, cpython_ns / ours);
      }
      std::fflush(stdout);
    }
    cyclegc::Uninstall();
  } catch (const std::exception& e) {
    std::printf("labkit collector failed: %s\n(build with --config=reference, or finish the lab)\n",
                e.what());
    return 1;
  }
  if (refcount::LiveObjects() != live_before) {
    std::printf("warning: %lld objects still live after the run (a leak, or garbage missed)\n",
                static_cast<long long>(refcount::LiveObjects() - live_before));
  }
  std::printf(
      "\nns/object = one full collection's time (baseline subtracted) / objects. Garbage\n"
      "shapes include freeing the objects; `live` survives. CPython frees into pymalloc,\n"
      "labkit into mimalloc; labkit keeps debug-build reference totals (see the comment at\n"
      "the top of bench/cyclegc/bench.cc).\n");
  return 0;
}
