// An example submission that does not compile: TakeGil locks gil.mutex with a
// std::lock_guard, the lock a C++ programmer reaches for by habit, but a condition-variable
// wait (gil.TimedWait, here through WaitUntilUnlocked) needs a std::unique_lock it can unlock
// and re-lock. The grader must report the compiler's error and score it 0.
#include "gil/gil.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>

namespace gil {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// Rule 2: every timed wait asks for the interval as it is NOW, and never for less than 1 us.
unsigned long CurrentWaitMicros(const GilRuntimeState& state) {
  return std::max(state.interval.load(kRelaxed), 1UL);
}

// Rule 2's loop: returns once `locked` is false, `held` still holding state.mutex. A wait that
// timed out while the same holder kept the GIL the whole time turns into a drop request.
void WaitUntilUnlocked(Interpreter& interp, std::unique_lock<std::mutex>& held) {
  GilRuntimeState& state = interp.gil;
  for (;;) {
    if (state.locked.load(kRelaxed) == 0) {
      return;
    }
    const unsigned long seen = state.switch_number;
    if (!state.TimedWait(held, CurrentWaitMicros(state))) {
      continue;  // woken (or spuriously): look at `locked` again
    }
    const bool nobody_switched = state.switch_number == seen;
    if (nobody_switched && state.locked.load(kRelaxed) != 0) {
      interp.SetGilDropRequest();
    }
  }
}

// Rule 2, second half, with state.mutex held: the GIL becomes `owner`'s. last_holder changes
// under switch_mutex, and a thread parked in forced switching is told.
void BecomeHolder(GilRuntimeState& state, ThreadState* owner) {
  const std::lock_guard<std::mutex> switching(state.switch_mutex);
  state.locked.store(1, kRelaxed);
  if (state.last_holder.exchange(owner, kRelaxed) != owner) {
    state.switch_number += 1;
  }
  state.SwitchSignal();
}

// Rule 5: after a release asked for by a drop request, stay off the GIL until some other
// thread has become its holder.
void AwaitAnotherHolder(Interpreter& interp, ThreadState* self) {
  GilRuntimeState& state = interp.gil;
  std::unique_lock<std::mutex> switching(state.switch_mutex);
  if (state.last_holder.load(kRelaxed) != self) {
    return;  // somebody already took it: nothing to wait for
  }
  interp.ResetGilDropRequest();
  do {
    state.SwitchWait(switching);
  } while (state.last_holder.load(kRelaxed) == self);
}

// Detaches the calling thread, which must be running as `expected` (any thread state at
// all when `expected` is null), and says which one it was.
ThreadState* DetachExpecting(ThreadState* expected, const char* who) {
  ThreadState* const current = Interpreter::Current();
  const bool matches = expected == nullptr ? current != nullptr : current == expected;
  if (!matches) {
    throw std::logic_error(std::string(who) + ": the calling thread is not attached" +
                           (expected == nullptr ? "" : " as this thread state"));
  }
  return Interpreter::Swap(nullptr);
}

// The way back into Python from a detached thread: first the GIL, then the thread state.
void TakeAndAttach(Interpreter& interp, ThreadState* tstate) {
  interp.TakeGil(tstate);
  Interpreter::Swap(tstate);
}

}  // namespace

// ---- Rule 4: the drop request and the eval breaker ---------------------------------------

void Interpreter::SetGilDropRequest() {
  gil_drop_request.Store(1);
  eval_breaker.Store(1);  // the loop looks at the breaker only
}

void Interpreter::ComputeEvalBreaker() {
  // The only reason to break out of the fast path in this lab is a pending drop request.
  const int reasons = gil_drop_request.Load();
  eval_breaker.Store(reasons != 0 ? 1 : 0);
}

void Interpreter::ResetGilDropRequest() {
  gil_drop_request.Store(0);
  ComputeEvalBreaker();  // recomputed, not cleared: other reasons would survive
}

// ---- Rules 2, 3 and 5: take and drop ------------------------------------------------------

void Interpreter::TakeGil(ThreadState* tstate) {
  const std::lock_guard<std::mutex> held(gil.mutex);
  WaitUntilUnlocked(*this, held);
  BecomeHolder(gil, tstate);
  // Still under gil.mutex: a request made before we got here has now been answered.
  if (gil_drop_request.Load() == 0) {
    ComputeEvalBreaker();
  } else {
    ResetGilDropRequest();
  }
}

void Interpreter::DropGil(ThreadState* tstate) {
  if (gil.locked.load(kRelaxed) == 0) {
    throw std::logic_error("DropGil: the GIL is not locked");
  }
  if (tstate != nullptr) {
    gil.last_holder.store(tstate, kRelaxed);
  }
  {
    const std::lock_guard<std::mutex> held(gil.mutex);
    gil.locked.store(0, kRelaxed);
    gil.Signal();
  }
  // Forced switching only for a thread that will take the GIL again and was asked to drop.
  const bool asked_to_drop = gil_drop_request.Load() != 0;
  if (asked_to_drop && tstate != nullptr) {
    AwaitAnotherHolder(*this, tstate);
  }
}

void Interpreter::HandleEvalBreaker(ThreadState* tstate) {
  if (gil_drop_request.Load() != 0) {
    DetachExpecting(tstate, "HandleEvalBreaker");
    DropGil(tstate);  // other threads may run now
    TakeAndAttach(*this, tstate);
  }
  ComputeEvalBreaker();
}

// ---- Rule 6: the switch interval ----------------------------------------------------------

void Interpreter::SetSwitchInterval(double seconds) {
  if (!(seconds > 0.0)) {  // also rejects NaN
    throw std::invalid_argument("switch interval must be strictly positive");
  }
  // Truncated to whole microseconds, as CPython's (unsigned long)(1e6 * interval). An interval
  // too long for the type (hundreds of millennia) is clamped rather than converted out of
  // range, which C++ leaves undefined.
  const double micros = 1e6 * seconds;
  constexpr unsigned long kLongest = std::numeric_limits<unsigned long>::max();
  gil.interval.store(
      micros >= static_cast<double>(kLongest) ? kLongest : static_cast<unsigned long>(micros),
      kRelaxed);
}

double Interpreter::GetSwitchInterval() const {
  return 1e-6 * static_cast<double>(gil.interval.load(kRelaxed));
}

// ---- Rule 8: thread start and exit --------------------------------------------------------

void Interpreter::AttachThread(ThreadState* tstate) {
  if (Current() != nullptr) {
    throw std::logic_error("AttachThread: the calling thread is already attached");
  }
  TakeAndAttach(*this, tstate);
}

void Interpreter::DetachThread(ThreadState* tstate) {
  DetachExpecting(tstate, "DetachThread");
  DropGil(nullptr);  // the last release: no last_holder, no forced-switching wait
}

// ---- Rule 7: around a blocking call (Py_BEGIN/END_ALLOW_THREADS) --------------------------

ThreadState* Interpreter::SaveThread() {
  ThreadState* const detached = DetachExpecting(nullptr, "SaveThread");
  DropGil(detached);
  return detached;
}

void Interpreter::RestoreThread(ThreadState* tstate) { TakeAndAttach(*this, tstate); }

}  // namespace gil
