// gil/eval.h: a small interpreter loop whose threads share reference-counted objects (GIVEN).
//
// Just enough of CPython's eval loop to need a GIL. Objects are shared by every thread. Their
// reference count is CPython's `ob_refcnt`: Py_INCREF is `ob_refcnt++`, a load, an add and a
// store that are NOT one atomic step. In C++ we spell that as a relaxed atomic load followed
// by a relaxed atomic store: the same machine code (plain mov, add, mov), the same lost
// updates when two threads interleave, but not undefined behaviour and not a "data race" in
// the C++ sense, so ThreadSanitizer does not report it and a test can count the lost updates
// instead (see the public test RefcountRace). An object's `value` is a plain field: two
// threads touching it at once IS a data race, which ThreadSanitizer reports. With a correct
// GIL neither happens.
//
// Instructions (each thread has its own value stack of Object pointers):
//   LOAD_OBJECT i       push objects[i], Py_INCREF
//   POP_TOP             Py_DECREF the top, pop it
//   INCREMENT           top->value += 1 (the object stays on the stack)
//   BLOCKING_CALL       release the GIL (AllowThreads), run tstate->blocking_call, re-take it
//   JUMP_BACKWARD t     a loop's back-edge: one more iteration done; if the iteration budget
//                       is not used up and tstate->stop_requested is false, check the eval
//                       breaker (eval_breaker set -> HandleEvalBreaker) and jump to t;
//                       otherwise fall through
//   RETURN              leave Eval (the stack must be empty)
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "gil/gil.h"

namespace gil {

struct Object {
  // ob_refcnt: only ever accessed as RefcntLoad/RefcntStore pairs (see above).
  std::atomic<std::int64_t> ob_refcnt{1};
  // A plain field, protected by the GIL alone.
  std::int64_t value = 0;
};

// Py_INCREF / Py_DECREF exactly as non-atomic as CPython's (load, add, store).
inline void IncRef(Object* op) {
  op->ob_refcnt.store(op->ob_refcnt.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}
inline void DecRef(Object* op) {
  op->ob_refcnt.store(op->ob_refcnt.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

enum class Opcode : std::uint8_t {
  kLoadObject,
  kPopTop,
  kIncrement,
  kBlockingCall,
  kJumpBackward,
  kReturn,
};

struct Instruction {
  Opcode op;
  int arg = 0;
};

using Code = std::vector<Instruction>;

// Runs `code` on `tstate`'s thread, which must be attached (it holds the GIL and
// Interpreter::Current() == tstate), until RETURN. `iterations` is the budget of
// JUMP_BACKWARD back-edges taken (a loop body runs iterations times); a negative budget
// means "until tstate->stop_requested". Returns the instructions run. Records kRun on entry,
// kBreakerTrip / kResume around every HandleEvalBreaker, and counts overlaps (two threads
// running bytecode at once).
std::uint64_t Eval(ThreadState* tstate, const Code& code, std::vector<Object*>& objects,
                   std::int64_t iterations);

// The same loop with NO GIL at all: no attach, no eval-breaker checks, no overlap detector.
// Only for demonstrating what the GIL prevents; `code` may only use LOAD_OBJECT, POP_TOP,
// JUMP_BACKWARD and RETURN (refcounts only, so the demonstration's races are lost updates,
// never data races). Other instructions throw std::invalid_argument.
std::uint64_t EvalWithoutGil(const Code& code, std::vector<Object*>& objects,
                             std::int64_t iterations);

}  // namespace gil
