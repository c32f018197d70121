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
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

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

double Median(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double TimeOnce(const Workload& w) {
  auto start = std::chrono::steady_clock::now();
  std::int64_t ops = w.run(w.n);
  auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
         static_cast<double>(ops);
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

std::string FindScript(const char* argv0) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("RUNFILES_DIR")) {
    candidates.push_back(std::string(dir) + "/labkit/bench/refcount/churn.py");
  }
  candidates.push_back("bench/refcount/churn.py");  // bazel run starts in the runfiles tree
  candidates.push_back(std::string(argv0) + ".runfiles/labkit/bench/refcount/churn.py");
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

std::string PythonVersion(const std::string& python) {
  std::string version;
  std::string cmd = Quote(python) + " -c 'import sys; print(sys.version.split()[0])' 2>&1";
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    if (std::fgets(buf, sizeof buf, p) != nullptr) {
      version = buf;
    }
    pclose(p);
  }
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) {
    version.pop_back();
  }
  return version;
}

// Runs churn.py; returns ns per operation for each repetition of each workload (by name).
std::map<std::string, std::vector<double>> RunCPython(const std::string& python,
                                                      const std::string& script, int reps,
                                                      const std::vector<Workload>& workloads) {
  std::map<std::string, std::vector<double>> results;
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
    long long ops = 0;
    double ns = 0;
    if (in >> name >> ops >> ns) {
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

  std::string script = FindScript(argv[0]);
  std::map<std::string, std::vector<double>> cpython;
  std::string version;
  if (script.empty()) {
    std::printf("bench/refcount/churn.py not found in the runfiles: CPython column skipped\n");
  } else {
    version = PythonVersion(python);
    cpython = RunCPython(python, script, reps, workloads);
    if (cpython.empty()) {
      std::printf("could not run %s: CPython column skipped\n", python.c_str());
    }
  }
  std::printf("CPython: %s %s\n\n", python.c_str(),
              version.empty() ? "(not run)" : version.c_str());

  std::printf("%-16s %10s %14s %15s %20s\n", "workload", "operations", "labkit ns/op",
              "CPython ns/op", "ratio labkit/CPython");
  for (const Workload& w : workloads) {
    double ours = Median(labkit[w.name]);
    auto it = cpython.find(w.name);
    if (it == cpython.end() || it->second.empty()) {
      std::printf("%-16s %10lld %14.2f %15s %20s\n", w.label.c_str(), static_cast<long long>(w.n),
                  ours, "-", "-");
      continue;
    }
    double theirs = Median(it->second);
    std::printf("%-16s %10lld %14.2f %15.2f %20.3f\n", w.label.c_str(), static_cast<long long>(w.n),
                ours, theirs, ours / theirs);
  }
  std::printf(
      "\nns/op = wall time of the loop / operations. CPython's figure includes its bytecode\n"
      "dispatch and its free lists; labkit's is the object model alone, out-of-line calls,\n"
      "plain malloc and a debug build's accounting (reference totals, live objects).\n");
  return 0;
}
