// Programs, worker threads and event-log queries shared by the gil tests and the gil
// benchmark. Public: no expectations here, only ways to run things and to read what happened.
//
// Tests with threads must not hang, so every wait here has a deadline, and the deadlines are
// generous (seconds, where correct code needs milliseconds): on a loaded 2-core machine under
// ThreadSanitizer a thread can be off the CPU for a long time. Tests assert on counts and
// orderings from the event log, not on how long things took.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gil/eval.h"
#include "gil/gil.h"

namespace gil::testing {

// while True: x = objects[0]; x.value += 1; y = objects[1]; del y; del x
Code CpuLoop();
// while True: <blocking call>; x = objects[0]; x.value += 1; del x
Code IoLoop();
// while True: a = objects[0]; b = objects[0]; del b; del a      (refcounts only)
Code RefcountLoop();

// Objects shared by the threads of one test (refcount 1, value 0 each).
class SharedObjects {
 public:
  explicit SharedObjects(int n);
  std::vector<Object*>& pointers() { return pointers_; }
  Object& operator[](int i) { return *pointers_.at(static_cast<std::size_t>(i)); }

 private:
  std::deque<Object> storage_;
  std::vector<Object*> pointers_;
};

// How long a test waits for progress that correct code makes in milliseconds (a waiter
// getting the GIL, 20 switches, an I/O thread's 20 blocking calls): a hundredfold margin for a
// loaded machine under ThreadSanitizer, yet short enough that a broken GIL fails fast.
inline constexpr std::chrono::milliseconds kProgressLimit{3000};

// Every test also runs under a watchdog (tests/watchdog.cc, linked into the test binaries): a
// test still running after this long is stuck (typically a deadlock in the main thread, which
// no deadline inside the test can catch), so the watchdog ends the process with a message.
inline constexpr std::chrono::milliseconds kWatchdogLimit{10000};

// Polls `done` every 200 us until it is true (returns true) or `limit` passes (false).
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit);

// For a test that cannot go on (a thread is stuck, so the test cannot even join it): prints
// why and ends the process with status 1. The test fails; nothing hangs.
[[noreturn]] void FailHard(const std::string& why);

// A thread with its own ThreadState that attaches, runs `code` for `iterations` back-edges
// (negative: until Stop()), and detaches. Exceptions are caught and kept in error().
class Worker {
 public:
  Worker(Interpreter& interp, Code code, std::vector<Object*>& objects, std::int64_t iterations);
  ~Worker();  // stops and joins (FailHard if the thread does not finish within 8 s)
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  ThreadState* tstate() const { return tstate_; }
  int id() const { return tstate_->id; }

  // What BLOCKING_CALL does (set before Start).
  void SetBlockingCall(std::function<void()> call) { tstate_->blocking_call = std::move(call); }
  void Start();
  void Stop() { tstate_->stop_requested.store(true, std::memory_order_relaxed); }
  // Joins; FailHard if the thread has not finished within `limit`.
  void Join(std::chrono::milliseconds limit = std::chrono::seconds(8));

  bool attached() const { return attached_.load(std::memory_order_acquire); }
  bool done() const { return done_.load(std::memory_order_acquire); }
  // After Join: the exception's message, or "" if the run went through.
  const std::string& error() const { return error_; }

 private:
  Interpreter& interp_;
  Code code_;
  std::vector<Object*>& objects_;
  std::int64_t iterations_;
  ThreadState* tstate_;
  std::thread thread_;
  std::atomic<bool> attached_{false};
  std::atomic<bool> done_{false};
  std::string error_;
};

// Starts `workers` (each running until stopped) and waits until the interpreter has recorded
// `resumes` kResume events or one of them has ended on its own (which only a broken GIL
// makes happen: its error() says why); then stops and joins them all. Returns WaitUntil's
// verdict within kProgressLimit.
bool RunUntilResumes(Interpreter& interp, const std::vector<Worker*>& workers,
                     std::uint64_t resumes);

// ---- Reading the event log (after every recording thread has been joined) ----------------

std::vector<Event> EventsOf(const std::vector<Event>& events, int thread, EventKind kind);
std::uint64_t CountOf(const std::vector<Event>& events, int thread, EventKind kind);
// Stores of `value` into gil_drop_request, by any thread.
std::uint64_t DropRequestStores(const std::vector<Event>& events, int value);

// One eval-breaker trip and what followed: the switch number when the thread tripped and when
// it resumed running bytecode.
struct Trip {
  int thread;
  std::uint64_t switch_at_trip;
  std::uint64_t switch_at_resume;
};
std::vector<Trip> TripsOf(const std::vector<Event>& events);

// The threads that ran bytecode, in order: one entry per kRun and per kResume after which the
// GIL had changed hands (so a thread that kept the GIL through a trip adds no entry).
std::vector<int> Holders(const std::vector<Event>& events);

// A compact dump of the log (for failure messages).
std::string Describe(const std::vector<Event>& events, std::size_t max_events = 60);

}  // namespace gil::testing
