// The interpreter loop (GIVEN): runs bytecode on shared objects and checks the eval breaker on
// every back-edge, as CPython's JUMP_BACKWARD does.
#include "gil/eval.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "gil/gil.h"

namespace gil {

// Brackets the stretches in which a thread runs bytecode. With a correct GIL at most one
// thread is inside at a time; a second one entering counts an overlap. Relaxed atomics: the
// detector must not add the synchronisation whose absence it is looking for.
class RunningRegion {
 public:
  explicit RunningRegion(Interpreter& interp) : interp_(interp) { Enter(); }
  ~RunningRegion() { Leave(); }
  void Enter() {
    if (interp_.running_.fetch_add(1, std::memory_order_relaxed) != 0) {
      interp_.overlaps_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void Leave() { interp_.running_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  Interpreter& interp_;
};

namespace {

void CheckAttached(ThreadState* tstate) {
  if (tstate == nullptr || Interpreter::Current() != tstate) {
    throw std::logic_error("Eval: the thread is not attached (AttachThread first)");
  }
}

}  // namespace

std::uint64_t Eval(ThreadState* tstate, const Code& code, std::vector<Object*>& objects,
                   std::int64_t iterations) {
  CheckAttached(tstate);
  Interpreter& interp = *tstate->interp;
  RunningRegion running(interp);
  // Read while holding the GIL: switch_number only changes when the GIL changes hands.
  interp.events().Record(EventKind::kRun, interp.gil.switch_number);

  std::vector<Object*> stack;
  stack.reserve(8);
  std::int64_t back_edges = 0;
  std::uint64_t executed = 0;
  std::size_t pc = 0;
  for (;;) {
    const Instruction& instr = code.at(pc++);
    ++executed;
    switch (instr.op) {
      case Opcode::kLoadObject: {
        Object* op = objects.at(static_cast<std::size_t>(instr.arg));
        IncRef(op);
        stack.push_back(op);
        break;
      }
      case Opcode::kPopTop:
        DecRef(stack.back());
        stack.pop_back();
        break;
      case Opcode::kIncrement:
        stack.back()->value += 1;
        break;
      case Opcode::kBlockingCall: {
        interp.events().Record(EventKind::kBlockingBegin);
        running.Leave();
        {
          AllowThreads allow(interp);
          if (tstate->blocking_call) {
            tstate->blocking_call();
          }
        }
        CheckAttached(tstate);
        running.Enter();
        interp.events().Record(EventKind::kBlockingEnd, interp.gil.switch_number);
        break;
      }
      case Opcode::kJumpBackward: {
        ++back_edges;
        const bool budget_left = iterations < 0 || back_edges < iterations;
        if (!budget_left || tstate->stop_requested.load(std::memory_order_relaxed)) {
          break;  // fall through to the loop's exit
        }
        if (interp.eval_breaker.Load()) {
          interp.events().Record(EventKind::kBreakerTrip, interp.gil.switch_number);
          running.Leave();
          interp.HandleEvalBreaker(tstate);
          CheckAttached(tstate);
          running.Enter();
          interp.events().Record(EventKind::kResume, interp.gil.switch_number);
        }
        pc = static_cast<std::size_t>(instr.arg);
        break;
      }
      case Opcode::kReturn:
        if (!stack.empty()) {
          throw std::logic_error("Eval: RETURN with a non-empty stack");
        }
        tstate->instructions += executed;
        return executed;
    }
  }
}

std::uint64_t EvalWithoutGil(const Code& code, std::vector<Object*>& objects,
                             std::int64_t iterations) {
  std::vector<Object*> stack;
  std::int64_t back_edges = 0;
  std::uint64_t executed = 0;
  std::size_t pc = 0;
  for (;;) {
    const Instruction& instr = code.at(pc++);
    ++executed;
    switch (instr.op) {
      case Opcode::kLoadObject: {
        Object* op = objects.at(static_cast<std::size_t>(instr.arg));
        IncRef(op);
        stack.push_back(op);
        break;
      }
      case Opcode::kPopTop:
        DecRef(stack.back());
        stack.pop_back();
        break;
      case Opcode::kJumpBackward:
        if (iterations < 0 || ++back_edges < iterations) {
          pc = static_cast<std::size_t>(instr.arg);
        }
        break;
      case Opcode::kReturn:
        return executed;
      default:
        throw std::invalid_argument("EvalWithoutGil: only refcount instructions (opcode " +
                                    std::to_string(static_cast<int>(instr.op)) + ")");
    }
  }
}

}  // namespace gil
