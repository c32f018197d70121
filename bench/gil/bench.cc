// The gil benchmark: the same two measurements on the labkit GIL (yours, or the reference with
// --config=reference) and on CPython (python3, spawned with bench/gil/gil_bench.py), side by
// side, with the ratio labkit / CPython.
//
//   hand-off   two threads pass control back and forth through two locks (POSIX semaphores,
//              as CPython's threading.Lock on Linux), each releasing the other's and then
//              blocking on its own with the GIL released (AllowThreads), as
//              threading.Lock.acquire does: the GIL changes hands once per hand-off.
//              Reported: ns per hand-off.
//   wake-up    a thread sleeps 1 ms with the GIL released and measures how much longer than
//              1 ms it took until it holds the GIL again: alone, and beside a CPU-bound thread
//              that never blocks (the convoy effect: the sleeper must ask for the GIL and wait
//              for the CPU-bound thread to drop it, about one switch interval). Reported: the
//              median extra latency in us, for switch intervals of 5 ms (the default) and 1 ms.
//
// The medians of REPS repetitions are shown. Environment: LABKIT_PYTHON picks the interpreter
// (default python3 on PATH), LABKIT_BENCH_REPS the repetitions (default 5).
#include <semaphore.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/cpython_side.h"
#include "gil/eval.h"
#include "gil/gil.h"
#include "labs/gil/tests/workloads.h"

namespace {

using Clock = std::chrono::steady_clock;
using gil::AllowThreads;
using gil::Interpreter;
using gil::ThreadState;

constexpr int kHandoffs = 20000;
constexpr auto kSleep = std::chrono::milliseconds(1);
constexpr int kWakeups = 50;

double Nanoseconds(Clock::duration d) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

// threading.Lock on Linux: a POSIX semaphore (CPython's USE_SEMAPHORES). acquire() tries
// without releasing the GIL, then blocks with the GIL released.
class Lock {
 public:
  Lock() { sem_init(&sem_, 0, 0); }  // created "acquired", as the benchmark needs
  ~Lock() { sem_destroy(&sem_); }
  void Release() { sem_post(&sem_); }
  void Acquire(Interpreter& interp) {
    if (sem_trywait(&sem_) != 0) {
      AllowThreads allow(interp);
      while (sem_wait(&sem_) != 0) {
      }
    }
  }

 private:
  sem_t sem_;
};

// ns per hand-off.
double Handoff() {
  Interpreter interp;
  Lock lock_a, lock_b;
  ThreadState* a = interp.NewThreadState();
  ThreadState* b = interp.NewThreadState();
  std::thread tb = gil::StartThread(b, [&] {
    interp.AttachThread(b);
    for (int i = 0; i < kHandoffs / 2; ++i) {
      lock_b.Acquire(interp);
      lock_a.Release();
    }
    interp.DetachThread(b);
  });
  gil::BindThread(a);
  interp.AttachThread(a);
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < kHandoffs / 2; ++i) {
    lock_b.Release();
    lock_a.Acquire(interp);
  }
  const double elapsed = Nanoseconds(Clock::now() - start);
  {
    AllowThreads allow(interp);
    tb.join();
  }
  interp.DetachThread(a);
  return elapsed / kHandoffs;
}

// Median extra wake-up latency in us.
double Wakeup(bool beside_cpu, double interval_seconds) {
  Interpreter interp;
  interp.SetSwitchInterval(interval_seconds);
  gil::testing::SharedObjects objects(2);
  gil::testing::Worker cpu(interp, gil::testing::CpuLoop(), objects.pointers(), -1);
  if (beside_cpu) {
    cpu.Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ThreadState* io = interp.NewThreadState();
  gil::BindThread(io);
  interp.AttachThread(io);
  std::vector<double> extra;
  for (int i = 0; i < kWakeups; ++i) {
    const Clock::time_point start = Clock::now();
    {
      AllowThreads allow(interp);
      std::this_thread::sleep_for(kSleep);
    }
    extra.push_back(Nanoseconds(Clock::now() - start - kSleep) / 1000);
  }
  interp.DetachThread(io);
  cpu.Stop();
  cpu.Join();
  return labkit::bench::Median(extra);
}

struct Row {
  std::string name;  // as gil_bench.py prints it
  std::string label;
  std::vector<double> labkit;
};

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  const labkit::bench::Settings settings = labkit::bench::SettingsFromEnv(/*default_reps=*/5);
  const int reps = settings.reps;
  std::printf("gil benchmark: labkit GIL vs CPython's, %d repetitions each, median shown\n", reps);

  std::vector<Row> rows = {
      {"handoff", "GIL hand-off between two threads (ns)", {}},
      {"wakeup:alone:5000", "wake-up after a 1 ms sleep, alone, interval 5 ms (us)", {}},
      {"wakeup:cpu:5000", "... beside a CPU-bound thread, interval 5 ms (us)", {}},
      {"wakeup:alone:1000", "wake-up after a 1 ms sleep, alone, interval 1 ms (us)", {}},
      {"wakeup:cpu:1000", "... beside a CPU-bound thread, interval 1 ms (us)", {}},
  };
  try {
    Handoff();  // warm-up
    for (int i = 0; i < reps; ++i) {
      rows[0].labkit.push_back(Handoff());
    }
    for (int i = 0; i < reps; ++i) {
      rows[1].labkit.push_back(Wakeup(false, 0.005));
      rows[2].labkit.push_back(Wakeup(true, 0.005));
      rows[3].labkit.push_back(Wakeup(false, 0.001));
      rows[4].labkit.push_back(Wakeup(true, 0.001));
    }
  } catch (const std::exception& e) {
    std::printf("labkit GIL failed: %s\n(build with --config=reference, or finish the lab)\n",
                e.what());
    return 1;
  }

  const labkit::bench::CPythonColumn cpython =
      labkit::bench::RunCPythonColumn(argv[0], settings, "bench/gil/gil_bench.py", {});
  std::printf("CPython: %s %s\n\n", settings.python.c_str(),
              cpython.version.empty() ? "(not run)" : cpython.version.c_str());

  std::printf("%-56s %10s %10s %8s\n", "measurement", "labkit", "CPython", "ratio");
  for (const Row& row : rows) {
    const double ours = labkit::bench::Median(row.labkit);
    const double theirs = cpython.MedianOf(row.name);
    if (theirs < 0) {
      std::printf("%-56s %10.1f %10s %8s\n", row.label.c_str(), ours, "-", "-");
      continue;
    }
    std::printf("%-56s %10.1f %10.1f %8.2f\n", row.label.c_str(), ours, theirs, ours / theirs);
  }
  std::printf(
      "\nHand-off: two threads ping-pong through two locks, blocking with the GIL released.\n"
      "Wake-up: how much longer than 1 ms a 1 ms sleep takes until the sleeper holds the GIL\n"
      "again. Beside a CPU-bound thread that is the convoy effect: about one switch interval\n"
      "spent waiting for the holder to be asked to drop the GIL. Machine load moves these\n"
      "numbers; compare the columns of one run, not runs.\n");
  return 0;
}
