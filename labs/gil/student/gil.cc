// The GIL: take, drop, drop requests, forced switching, the switch interval and releasing the
// GIL around blocking calls. YOUR CODE GOES HERE.
//
// Read gil/gil.h first: its opening comment is the specification (rules 1-8), and the state
// you work on (gil.locked, gil.last_holder, gil.switch_number, gil.interval, gil.mutex,
// gil.switch_mutex, eval_breaker, gil_drop_request) is declared there. CPython 3.12's
// Python/ceval_gil.c (take_gil, drop_gil, _Py_HandlePending) does the same job.
//
// Ground rules:
//   - Wait and signal ONLY with gil.TimedWait / gil.Signal / gil.SwitchWait /
//     gil.SwitchSignal, and change the flags ONLY with eval_breaker.Store /
//     gil_drop_request.Store: the tests read the event log they write.
//   - gil.switch_number is a plain field: touch it only while holding gil.mutex.
//   - The tests run under ThreadSanitizer: a data race fails them, even a "benign" one.
#include "gil/gil.h"

#include <mutex>
#include <stdexcept>

#include "labkit/todo.h"

namespace gil {

void Interpreter::SetGilDropRequest() {
  // TODO(student): SET_GIL_DROP_REQUEST (rule 4): set gil_drop_request AND eval_breaker (the
  //   interpreter loop only ever looks at eval_breaker).
  LABKIT_TODO("Interpreter::SetGilDropRequest");
}

void Interpreter::ResetGilDropRequest() {
  // TODO(student): RESET_GIL_DROP_REQUEST (rule 4): clear gil_drop_request, then recompute
  //   eval_breaker from the reasons still pending.
  LABKIT_TODO("Interpreter::ResetGilDropRequest");
}

void Interpreter::ComputeEvalBreaker() {
  // TODO(student): COMPUTE_EVAL_BREAKER (rule 4): eval_breaker = the OR of every reason to
  //   break out of the fast path. In this lab the only reason is gil_drop_request.
  LABKIT_TODO("Interpreter::ComputeEvalBreaker");
}

void Interpreter::TakeGil([[maybe_unused]] ThreadState* tstate) {
  // TODO(student): take_gil (rule 2).
  //   1. Lock gil.mutex (std::unique_lock: gil.TimedWait needs it).
  //   2. While the GIL is locked: note gil.switch_number, wait with gil.TimedWait for the
  //      current interval (never less than 1 us). If that wait timed out AND the GIL is still
  //      locked AND switch_number did not move, ask the holder to let go (SetGilDropRequest).
  //   3. Under gil.switch_mutex: mark the GIL locked; if last_holder is another thread, make
  //      it this one and count the switch; wake a thread waiting for the switch
  //      (gil.SwitchSignal).
  //   4. Still under gil.mutex: a pending drop request has now been answered
  //      (ResetGilDropRequest); otherwise just ComputeEvalBreaker.
  LABKIT_TODO("Interpreter::TakeGil");
}

void Interpreter::DropGil([[maybe_unused]] ThreadState* tstate) {
  // TODO(student): drop_gil (rules 3 and 5).
  //   1. Dropping a GIL that is not locked is a bug: throw std::logic_error.
  //   2. If tstate is not null, record it as last_holder.
  //   3. Under gil.mutex: unlock the GIL and wake one waiter (gil.Signal).
  //   4. Forced switching: if tstate is not null and a drop was requested, then under
  //      gil.switch_mutex, if this thread is still last_holder: ResetGilDropRequest and
  //      gil.SwitchWait until last_holder is some other thread.
  LABKIT_TODO("Interpreter::DropGil");
}

void Interpreter::HandleEvalBreaker([[maybe_unused]] ThreadState* tstate) {
  // TODO(student): the GIL part of _Py_HandlePending (rule 4). If a drop was requested:
  //   detach (Swap(nullptr) must give back tstate, else std::logic_error), DropGil, TakeGil,
  //   re-attach (Swap(tstate)). Always finish by recomputing eval_breaker.
  LABKIT_TODO("Interpreter::HandleEvalBreaker");
}

void Interpreter::SetSwitchInterval([[maybe_unused]] double seconds) {
  // TODO(student): sys.setswitchinterval (rule 6): reject anything not > 0 with
  //   std::invalid_argument("switch interval must be strictly positive"); store the interval
  //   in whole microseconds, truncated as CPython's (unsigned long)(1e6 * seconds).
  LABKIT_TODO("Interpreter::SetSwitchInterval");
}

double Interpreter::GetSwitchInterval() const {
  // TODO(student): sys.getswitchinterval (rule 6): the interval in seconds (1e-6 * us).
  LABKIT_TODO("Interpreter::GetSwitchInterval");
}

ThreadState* Interpreter::SaveThread() {
  // TODO(student): PyEval_SaveThread (rule 7): detach the calling thread (Swap(nullptr); if
  //   it was not attached, std::logic_error), drop the GIL, return the detached tstate.
  LABKIT_TODO("Interpreter::SaveThread");
}

void Interpreter::RestoreThread([[maybe_unused]] ThreadState* tstate) {
  // TODO(student): PyEval_RestoreThread (rule 7): take the GIL, then re-attach tstate.
  LABKIT_TODO("Interpreter::RestoreThread");
}

void Interpreter::AttachThread([[maybe_unused]] ThreadState* tstate) {
  // TODO(student): a thread starts running Python (rule 8): it must not be attached already
  //   (std::logic_error); take the GIL, make tstate current.
  LABKIT_TODO("Interpreter::AttachThread");
}

void Interpreter::DetachThread([[maybe_unused]] ThreadState* tstate) {
  // TODO(student): a thread is done with Python (rule 8): tstate must be current
  //   (std::logic_error otherwise); detach it and release the GIL for the last time, which
  //   is DropGil(nullptr): no last_holder update, no forced-switching wait.
  LABKIT_TODO("Interpreter::DetachThread");
}

}  // namespace gil
