#include "labs/gil/tests/workloads.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace gil::testing {

Code CpuLoop() {
  return {
      {Opcode::kLoadObject, 0},    // 0
      {Opcode::kIncrement},        // 1
      {Opcode::kLoadObject, 1},    // 2
      {Opcode::kPopTop},           // 3
      {Opcode::kPopTop},           // 4
      {Opcode::kJumpBackward, 0},  // 5
      {Opcode::kReturn},           // 6
  };
}

Code IoLoop() {
  return {
      {Opcode::kBlockingCall},     // 0
      {Opcode::kLoadObject, 0},    // 1
      {Opcode::kIncrement},        // 2
      {Opcode::kPopTop},           // 3
      {Opcode::kJumpBackward, 0},  // 4
      {Opcode::kReturn},           // 5
  };
}

Code RefcountLoop() {
  return {
      {Opcode::kLoadObject, 0},    // 0
      {Opcode::kLoadObject, 0},    // 1
      {Opcode::kPopTop},           // 2
      {Opcode::kPopTop},           // 3
      {Opcode::kJumpBackward, 0},  // 4
      {Opcode::kReturn},           // 5
  };
}

SharedObjects::SharedObjects(int n) {
  for (int i = 0; i < n; ++i) {
    pointers_.push_back(&storage_.emplace_back());
  }
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

bool RunUntilResumes(Interpreter& interp, const std::vector<Worker*>& workers,
                     std::uint64_t resumes) {
  for (Worker* worker : workers) worker->Start();
  const bool reached = WaitUntil(
      [&] {
        for (const Worker* worker : workers) {
          if (worker->done()) return true;
        }
        return interp.events().Count(EventKind::kResume) >= resumes;
      },
      kProgressLimit);
  for (Worker* worker : workers) worker->Stop();
  for (Worker* worker : workers) worker->Join();
  return reached;
}

void FailHard(const std::string& why) {
  std::fprintf(stderr, "FATAL (test cannot continue): %s\n", why.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  std::_Exit(1);
}

Worker::Worker(Interpreter& interp, Code code, std::vector<Object*>& objects,
               std::int64_t iterations)
    : interp_(interp),
      code_(std::move(code)),
      objects_(objects),
      iterations_(iterations),
      tstate_(interp.NewThreadState()) {}

Worker::~Worker() {
  Stop();
  Join();
}

void Worker::Start() {
  thread_ = StartThread(tstate_, [this] {
    try {
      interp_.AttachThread(tstate_);
      attached_.store(true, std::memory_order_release);
      Eval(tstate_, code_, objects_, iterations_);
      interp_.DetachThread(tstate_);
    } catch (const std::exception& e) {
      error_ = e.what();
    }
    done_.store(true, std::memory_order_release);
  });
}

void Worker::Join(std::chrono::milliseconds limit) {
  if (!thread_.joinable()) {
    return;
  }
  if (!WaitUntil([this] { return done(); }, limit)) {
    FailHard("thread " + std::to_string(tstate_->id) + " did not finish within " +
             std::to_string(limit.count()) +
             " ms: it is stuck (a deadlock, a lost wake-up, or a GIL that is never released?)");
  }
  thread_.join();
}

std::vector<Event> EventsOf(const std::vector<Event>& events, int thread, EventKind kind) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.thread == thread && e.kind == kind) {
      out.push_back(e);
    }
  }
  return out;
}

std::uint64_t CountOf(const std::vector<Event>& events, int thread, EventKind kind) {
  return EventsOf(events, thread, kind).size();
}

std::uint64_t DropRequestStores(const std::vector<Event>& events, int value) {
  std::uint64_t n = 0;
  for (const Event& e : events) {
    if (e.kind == EventKind::kDropRequestStore && e.arg == static_cast<std::uint64_t>(value)) {
      ++n;
    }
  }
  return n;
}

std::vector<Trip> TripsOf(const std::vector<Event>& events) {
  std::vector<Trip> trips;
  std::map<int, std::size_t> open;  // thread -> index of its trip awaiting a resume
  for (const Event& e : events) {
    if (e.kind == EventKind::kBreakerTrip) {
      open[e.thread] = trips.size();
      trips.push_back({e.thread, e.arg, e.arg});
    } else if (e.kind == EventKind::kResume) {
      auto it = open.find(e.thread);
      if (it != open.end()) {
        trips[it->second].switch_at_resume = e.arg;
        open.erase(it);
      }
    }
  }
  return trips;
}

std::vector<int> Holders(const std::vector<Event>& events) {
  std::vector<int> holders;
  std::map<int, std::uint64_t> trip_switch;
  for (const Event& e : events) {
    if (e.kind == EventKind::kRun) {
      holders.push_back(e.thread);
    } else if (e.kind == EventKind::kBreakerTrip) {
      trip_switch[e.thread] = e.arg;
    } else if (e.kind == EventKind::kResume) {
      if (trip_switch.count(e.thread) != 0 && trip_switch[e.thread] != e.arg) {
        holders.push_back(e.thread);
      }
    }
  }
  return holders;
}

std::string Describe(const std::vector<Event>& events, std::size_t max_events) {
  std::ostringstream out;
  std::size_t shown = 0;
  for (const Event& e : events) {
    if (shown++ == max_events) {
      out << "  ... (" << events.size() - max_events << " more)\n";
      break;
    }
    out << "  #" << e.seq << " T" << e.thread << " " << EventName(e.kind) << " " << e.arg << "\n";
  }
  return out.str();
}

}  // namespace gil::testing
