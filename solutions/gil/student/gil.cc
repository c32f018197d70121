// The GIL: take, drop, drop requests, forced switching, the switch interval and releasing the
// GIL around blocking calls. REFERENCE SOLUTION.
//
// Follows CPython 3.12's Python/ceval_gil.c; gil/gil.h rules 1-8 are the specification.
#include "gil/gil.h"

#include <limits>
#include <mutex>
#include <stdexcept>

namespace gil {

void Interpreter::SetGilDropRequest() {
  gil_drop_request.Store(1);
  eval_breaker.Store(1);
}

void Interpreter::ResetGilDropRequest() {
  gil_drop_request.Store(0);
  ComputeEvalBreaker();
}

void Interpreter::ComputeEvalBreaker() {
  // The OR of every reason to leave the fast path; drop requests are the only one here.
  eval_breaker.Store(gil_drop_request.Load());
}

void Interpreter::TakeGil(ThreadState* tstate) {
  std::unique_lock<std::mutex> lock(gil.mutex);
  while (gil.locked.load(std::memory_order_relaxed)) {
    const unsigned long saved_switch_number = gil.switch_number;
    const unsigned long configured = gil.interval.load(std::memory_order_relaxed);
    const unsigned long interval = configured >= 1 ? configured : 1;
    const bool timed_out = gil.TimedWait(lock, interval);
    // A whole interval without anyone letting go: ask the holder to drop the GIL. If the
    // GIL changed hands meanwhile, the new holder has just started its own interval.
    if (timed_out && gil.locked.load(std::memory_order_relaxed) &&
        gil.switch_number == saved_switch_number) {
      SetGilDropRequest();
    }
  }

  {
    // last_holder only changes under switch_mutex: a thread in DropGil's forced-switching
    // wait checks it under the same mutex, so it cannot miss the change.
    std::lock_guard<std::mutex> switch_guard(gil.switch_mutex);
    gil.locked.store(1, std::memory_order_relaxed);
    if (gil.last_holder.load(std::memory_order_relaxed) != tstate) {
      gil.last_holder.store(tstate, std::memory_order_relaxed);
      ++gil.switch_number;
    }
    gil.SwitchSignal();
  }

  // Whoever asked for a drop has been answered: a thread now holds the GIL that did not
  // hold it a moment ago (possibly the asker itself).
  if (gil_drop_request.Load()) {
    ResetGilDropRequest();
  } else {
    ComputeEvalBreaker();
  }
}

void Interpreter::DropGil(ThreadState* tstate) {
  if (!gil.locked.load(std::memory_order_relaxed)) {
    throw std::logic_error("DropGil: the GIL is not locked");
  }
  if (tstate != nullptr) {
    gil.last_holder.store(tstate, std::memory_order_relaxed);
  }
  {
    std::lock_guard<std::mutex> guard(gil.mutex);
    gil.locked.store(0, std::memory_order_relaxed);
    gil.Signal();
  }

  // Forced switching: after dropping on request, do not come back before someone else has
  // had the GIL (an exiting thread, tstate == nullptr, never comes back at all).
  if (tstate != nullptr && gil_drop_request.Load()) {
    std::unique_lock<std::mutex> switch_lock(gil.switch_mutex);
    if (gil.last_holder.load(std::memory_order_relaxed) == tstate) {
      ResetGilDropRequest();
      while (gil.last_holder.load(std::memory_order_relaxed) == tstate) {
        gil.SwitchWait(switch_lock);
      }
    }
  }
}

void Interpreter::HandleEvalBreaker(ThreadState* tstate) {
  if (gil_drop_request.Load()) {
    // Give another thread a chance.
    if (Swap(nullptr) != tstate) {
      throw std::logic_error("HandleEvalBreaker: thread state mix-up");
    }
    DropGil(tstate);
    // Other threads may run now.
    TakeGil(tstate);
    Swap(tstate);
  }
  ComputeEvalBreaker();
}

void Interpreter::SetSwitchInterval(double seconds) {
  if (!(seconds > 0.0)) {
    throw std::invalid_argument("switch interval must be strictly positive");
  }
  // CPython casts 1e6 * seconds straight to unsigned long. Past its range
  // (inf, or more than about 584,542 years) that cast is undefined behaviour, so
  // the reference saturates instead.
  const double microseconds = 1e6 * seconds;
  const unsigned long interval = microseconds >= 0x1p64 ? std::numeric_limits<unsigned long>::max()
                                                        : static_cast<unsigned long>(microseconds);
  gil.interval.store(interval, std::memory_order_relaxed);
}

double Interpreter::GetSwitchInterval() const {
  return 1e-6 * static_cast<double>(gil.interval.load(std::memory_order_relaxed));
}

ThreadState* Interpreter::SaveThread() {
  ThreadState* tstate = Swap(nullptr);
  if (tstate == nullptr) {
    throw std::logic_error("SaveThread: the thread is not attached");
  }
  DropGil(tstate);
  return tstate;
}

void Interpreter::RestoreThread(ThreadState* tstate) {
  TakeGil(tstate);
  Swap(tstate);
}

void Interpreter::AttachThread(ThreadState* tstate) {
  if (Current() != nullptr) {
    throw std::logic_error("AttachThread: the thread is already attached");
  }
  TakeGil(tstate);
  Swap(tstate);
}

void Interpreter::DetachThread(ThreadState* tstate) {
  if (Swap(nullptr) != tstate) {
    throw std::logic_error("DetachThread: not the current thread state");
  }
  DropGil(nullptr);
}

}  // namespace gil
