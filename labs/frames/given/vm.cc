// The interpreter loop (GIVEN). See frames/vm.h.
//
// One C++ activation runs every Python-level call: `frame` is a local variable that CALL and
// RETURN_VALUE simply reassign. Nothing here recurses, so the C stack stays flat however
// deep the Python recursion goes.
#include "frames/vm.h"

#include <cstdint>
#include <stdexcept>
#include <string>

#include "labkit/todo.h"

namespace frames {
namespace {

// Wrapping arithmetic: signed overflow is undefined in C++, and UBSan watches.
Value Wrap(std::uint64_t v) { return static_cast<Value>(v); }

}  // namespace

Value Eval(ThreadState& ts, const Program& program, int function, std::span<const Value> args) {
  if (function < 0 || function >= static_cast<int>(program.functions.size())) {
    throw std::invalid_argument("Eval: no function " + std::to_string(function));
  }
  const Code& entry_code = program.functions[static_cast<std::size_t>(function)];
  if (static_cast<int>(args.size()) != entry_code.nargs) {
    throw std::invalid_argument("Eval: " + entry_code.name + " takes " +
                                std::to_string(entry_code.nargs) + " arguments");
  }
  const int base_depth = ts.Depth();

  try {
    Frame* frame = ts.PushFrame(entry_code);
    Frame* const entry = frame;
    for (std::size_t i = 0; i < args.size(); ++i) {
      frame->localsplus()[i] = args[i];
    }

    for (;;) {
      const Code& code = *frame->code;
      const Instr& in = code.instrs[static_cast<std::size_t>(frame->ip)];
      ++frame->ip;
      Value* const lp = frame->localsplus();
      // The value stack, addressed by stacktop (an index into localsplus).
      auto push = [&](Value v) { lp[frame->stacktop++] = v; };
      auto pop = [&]() { return lp[--frame->stacktop]; };

      switch (in.op) {
        case Op::kLoadConst:
          push(code.consts[static_cast<std::size_t>(in.a)]);
          break;
        case Op::kLoadFast:
          push(lp[in.a]);
          break;
        case Op::kStoreFast:
          lp[in.a] = pop();
          break;
        case Op::kPopTop:
          pop();
          break;
        case Op::kDupTop: {
          Value v = lp[frame->stacktop - 1];
          push(v);
          break;
        }
        case Op::kBinaryAdd:
        case Op::kBinarySub:
        case Op::kBinaryMul:
        case Op::kCompareLt:
        case Op::kCompareLe:
        case Op::kCompareEq:
        case Op::kCompareGt: {
          Value b = pop();
          Value a = pop();
          auto ua = static_cast<std::uint64_t>(a);
          auto ub = static_cast<std::uint64_t>(b);
          Value r = 0;
          switch (in.op) {
            case Op::kBinaryAdd:
              r = Wrap(ua + ub);
              break;
            case Op::kBinarySub:
              r = Wrap(ua - ub);
              break;
            case Op::kBinaryMul:
              r = Wrap(ua * ub);
              break;
            case Op::kCompareLt:
              r = a < b;
              break;
            case Op::kCompareLe:
              r = a <= b;
              break;
            case Op::kCompareEq:
              r = a == b;
              break;
            default:
              r = a > b;
              break;
          }
          push(r);
          break;
        }
        case Op::kJump:
          frame->ip = in.a;
          break;
        case Op::kPopJumpIfFalse:
          if (pop() == 0) {
            frame->ip = in.a;
          }
          break;
        case Op::kCall: {
          const Code& callee = program.functions[static_cast<std::size_t>(in.a)];
          if (in.b != callee.nargs || frame->StackDepth() < in.b) {
            throw std::logic_error("CALL " + callee.name + ": bad argument count");
          }
          // The student's Call moves the arguments into the new frame; we continue there.
          frame = ts.Call(callee, in.b);
          break;
        }
        case Op::kReturnValue: {
          Value result = pop();
          if (frame == entry) {
            ts.PopFrame(frame);
            return result;
          }
          frame = ts.Return(result);
          break;
        }
        case Op::kRaise: {
          Value v = pop();
          throw RuntimeError(std::to_string(v), ts.CaptureTraceback());
        }
      }
    }
  } catch (const labkit::NotImplemented&) {
    // An unfinished skeleton function: report it by name rather than the (equally
    // unfinished) UnwindTo that cleaning up would call.
    throw;
  } catch (...) {
    // Drop every frame this call pushed (the error's traceback is already captured), then
    // let the error continue to whoever called Eval.
    ts.UnwindTo(base_depth);
    throw;
  }
}

Value Eval(ThreadState& ts, const Program& program, std::string_view function,
           std::span<const Value> args) {
  return Eval(ts, program, program.IndexOf(function), args);
}

}  // namespace frames
