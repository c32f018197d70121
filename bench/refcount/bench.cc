// The refcount benchmark: object churn through the lab's object model (your refcount.cc,
// objects.cc and trashcan.cc, or the reference with --config=reference) and the equivalent
// Python run by CPython (python3, spawned with bench/refcount/churn.py), printed as ns per
// operation and the ratio labkit / CPython.
//
//   assign   b = a                          one Incref + one Decref
//   ints     x = i + 1000                   one int allocated and one freed
//   tuples   t = (a, b, c)                  a 3-tuple built (3 Increfs) and dropped
//   lists    l = []; 10 x l.append(j)       a list grown to 10 and dropped (per list)
//   nested   x = [x] n times; del x         one level built and freed (trashcan included)
//
// CPython's column includes its bytecode dispatch; the labkit column is the object model
// alone, called from C++. The ratio is therefore a floor on what reference counting itself
// costs CPython, not a race. Each workload runs once to warm up, then REPS times; the table
// shows the median. Environment: LABKIT_PYTHON picks the interpreter (default python3),
// LABKIT_BENCH_REPS the repetitions (default 7).
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
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace {

using refcount::Object;
using refcount::Ref;

struct Workload {
  std::string name;  // as churn.py spells it: NAME:N
  std::string label;
  std::int64_t (*run)(std::int64_t n);  // returns the number of operations
  std::int64_t n;
};

std::int64_t Assign(std::int64_t n) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Object* b = refcount::NewRef(refcount::None());
  for (std::int64_t i = 0; i < n; ++i) {
    Object* next = refcount::NewRef(a.get());  // LOAD_FAST a
    refcount::Decref(b);                       // STORE_FAST b drops the old value
    b = next;
  }
  refcount::Decref(b);
  return n;
}

std::int64_t Ints(std::int64_t n) {
  Ref x;
  for (std::int64_t i = 0; i < n; ++i) {
    x = Ref::Steal(refcount::IntFromLong(i + 1000));
  }
  return n;
}

std::int64_t Tuples(std::int64_t n) {
  Ref a = Ref::Steal(refcount::StrFromString("a"));
  Ref b = Ref::Steal(refcount::IntFromLong(1000));
  Object* c = refcount::None();
  Ref t;
  for (std::int64_t i = 0; i < n; ++i) {
    Object* tuple = refcount::TupleNew(3);
    refcount::TupleSetItem(tuple, 0, refcount::NewRef(a.get()));
    refcount::TupleSetItem(tuple, 1, refcount::NewRef(b.get()));
    refcount::TupleSetItem(tuple, 2, refcount::NewRef(c));
    t = Ref::Steal(tuple);
  }
  return n;
}

std::int64_t Lists(std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    Ref list = Ref::Steal(refcount::ListNew(0));
    for (std::int64_t j = 0; j < 10; ++j) {
      refcount::ListAppend(list.get(), Ref::Steal(refcount::IntFromLong(j)).get());
    }
  }
  return n;
}

std::int64_t Nested(std::int64_t n) {
  Object* x = refcount::ListNew(0);
  for (std::int64_t i = 1; i < n; ++i) {
    Object* outer = refcount::ListNew(0);
    refcount::ListAppend(outer, x);
    refcount::Decref(x);
    x = outer;
  }
  refcount::Decref(x);
  return n;
}

double TimeOnce(const Workload& w) {
  auto start = std::chrono::steady_clock::now();
  std::int64_t ops = w.run(w.n);
  auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
         static_cast<double>(ops);
}

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  const labkit::bench::Settings settings = labkit::bench::SettingsFromEnv();
  const int reps = settings.reps;

  const std::vector<Workload> workloads = {
      {"assign:5000000", "b = a", Assign, 5000000},
      {"ints:2000000", "x = i + 1000", Ints, 2000000},
      {"tuples:2000000", "t = (a, b, c)", Tuples, 2000000},
      {"lists:200000", "10 appends", Lists, 200000},
      {"nested:300000", "x = [x]; del x", Nested, 300000},
  };

  std::printf("refcount benchmark: labkit object model vs CPython, %d repetitions each, median\n",
              reps);

  std::map<std::string, std::vector<double>> labkit;
  const std::int64_t live_before = refcount::LiveObjects();
  try {
    for (const Workload& w : workloads) {
      TimeOnce(w);  // warm-up
      for (int i = 0; i < reps; ++i) {
        labkit[w.name].push_back(TimeOnce(w));
      }
    }
  } catch (const std::exception& e) {
    std::printf(
        "labkit object model failed: %s\n(build with --config=reference, or finish the lab)\n",
        e.what());
    return 1;
  }
  if (refcount::LiveObjects() != live_before) {
    std::printf("warning: %lld objects still live after the run (a leak in the object model)\n",
                static_cast<long long>(refcount::LiveObjects() - live_before));
  }

  std::vector<std::string> names;
  for (const Workload& w : workloads) names.push_back(w.name);
  const labkit::bench::CPythonColumn cpython =
      labkit::bench::RunCPythonColumn(argv[0], settings, "bench/refcount/churn.py", names);
  std::printf("CPython: %s %s\n\n", settings.python.c_str(),
              cpython.version.empty() ? "(not run)" : cpython.version.c_str());

  std::printf("%-16s %10s %14s %15s %20s\n", "workload", "operations", "labkit ns/op",
              "CPython ns/op", "ratio labkit/CPython");
  for (const Workload& w : workloads) {
    double ours = labkit::bench::Median(labkit[w.name]);
    double theirs = cpython.MedianOf(w.name);
    if (theirs < 0) {
      std::printf("%-16s %10lld %14.2f %15s %20s\n", w.label.c_str(), static_cast<long long>(w.n),
                  ours, "-", "-");
      continue;
    }
    std::printf("%-16s %10lld %14.2f %15.2f %20.3f\n", w.label.c_str(), static_cast<long long>(w.n),
                ours, theirs, ours / theirs);
  }
  std::printf(
      "\nns/op = wall time of the loop / operations. CPython's figure includes its bytecode\n"
      "dispatch and its free lists; labkit's is the object model alone, out-of-line calls,\n"
      "plain malloc and a debug build's accounting (reference totals, live objects).\n");
  return 0;
}
