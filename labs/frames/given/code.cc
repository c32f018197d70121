// Code objects and the program builder (GIVEN).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "frames/frame.h"

namespace frames {

const char* OpName(Op op) {
  switch (op) {
    case Op::kLoadConst:
      return "LOAD_CONST";
    case Op::kLoadFast:
      return "LOAD_FAST";
    case Op::kStoreFast:
      return "STORE_FAST";
    case Op::kPopTop:
      return "POP_TOP";
    case Op::kDupTop:
      return "DUP_TOP";
    case Op::kBinaryAdd:
      return "BINARY_ADD";
    case Op::kBinarySub:
      return "BINARY_SUB";
    case Op::kBinaryMul:
      return "BINARY_MUL";
    case Op::kCompareLt:
      return "COMPARE_LT";
    case Op::kCompareLe:
      return "COMPARE_LE";
    case Op::kCompareEq:
      return "COMPARE_EQ";
    case Op::kCompareGt:
      return "COMPARE_GT";
    case Op::kJump:
      return "JUMP";
    case Op::kPopJumpIfFalse:
      return "POP_JUMP_IF_FALSE";
    case Op::kCall:
      return "CALL";
    case Op::kReturnValue:
      return "RETURN_VALUE";
    case Op::kRaise:
      return "RAISE";
  }
  return "?";
}

Code Code::Blank(std::string name, int nlocals, int stacksize, int first_line) {
  if (nlocals < 0 || stacksize < 0) {
    throw std::invalid_argument("Code::Blank: negative size");
  }
  Code code;
  code.name = std::move(name);
  code.nlocals = nlocals;
  code.stacksize = stacksize;
  code.first_line = first_line;
  return code;
}

Code Code::WithFrameSlots(std::string name, int slots, int first_line) {
  if (slots < kFrameHeaderSlots) {
    throw std::invalid_argument("Code::WithFrameSlots: fewer slots than a frame header");
  }
  return Blank(std::move(name), slots - kFrameHeaderSlots, 0, first_line);
}

int Program::IndexOf(std::string_view name) const {
  for (std::size_t i = 0; i < functions.size(); ++i) {
    if (functions[i].name == name) {
      return static_cast<int>(i);
    }
  }
  throw std::invalid_argument("no function named " + std::string(name));
}

// ---- FunctionBuilder ----------------------------------------------------------------------

FunctionBuilder::FunctionBuilder(std::string name, int nargs, int nlocals) {
  if (nargs < 0) {
    throw std::invalid_argument("negative nargs");
  }
  code_.name = std::move(name);
  code_.nargs = nargs;
  code_.nlocals = nlocals < 0 ? nargs : nlocals;
  if (code_.nlocals < nargs) {
    throw std::invalid_argument("nlocals < nargs in " + code_.name);
  }
}

FunctionBuilder& FunctionBuilder::Line(int line) {
  if (code_.instrs.empty()) {
    code_.first_line = line;
  }
  line_ = line;
  return *this;
}

FunctionBuilder& FunctionBuilder::Emit(Op op, std::int32_t a, std::int32_t b) {
  code_.instrs.push_back(Instr{op, a, b, line_});
  return *this;
}

FunctionBuilder& FunctionBuilder::LoadConst(Value value) {
  auto it = std::find(code_.consts.begin(), code_.consts.end(), value);
  if (it == code_.consts.end()) {
    code_.consts.push_back(value);
    it = code_.consts.end() - 1;
  }
  return Emit(Op::kLoadConst, static_cast<std::int32_t>(it - code_.consts.begin()));
}

FunctionBuilder& FunctionBuilder::LoadFast(int local) { return Emit(Op::kLoadFast, local); }
FunctionBuilder& FunctionBuilder::StoreFast(int local) { return Emit(Op::kStoreFast, local); }
FunctionBuilder& FunctionBuilder::PopTop() { return Emit(Op::kPopTop); }
FunctionBuilder& FunctionBuilder::DupTop() { return Emit(Op::kDupTop); }
FunctionBuilder& FunctionBuilder::Add() { return Emit(Op::kBinaryAdd); }
FunctionBuilder& FunctionBuilder::Sub() { return Emit(Op::kBinarySub); }
FunctionBuilder& FunctionBuilder::Mul() { return Emit(Op::kBinaryMul); }
FunctionBuilder& FunctionBuilder::Lt() { return Emit(Op::kCompareLt); }
FunctionBuilder& FunctionBuilder::Le() { return Emit(Op::kCompareLe); }
FunctionBuilder& FunctionBuilder::Eq() { return Emit(Op::kCompareEq); }
FunctionBuilder& FunctionBuilder::Gt() { return Emit(Op::kCompareGt); }
FunctionBuilder& FunctionBuilder::ReturnValue() { return Emit(Op::kReturnValue); }
FunctionBuilder& FunctionBuilder::Raise() { return Emit(Op::kRaise); }

FunctionBuilder& FunctionBuilder::Label(std::string label) {
  for (const auto& [name, index] : labels_) {
    if (name == label) {
      throw std::invalid_argument("duplicate label " + label);
    }
  }
  labels_.emplace_back(std::move(label), static_cast<int>(code_.instrs.size()));
  return *this;
}

FunctionBuilder& FunctionBuilder::Jump(std::string label) {
  jump_fixups_.emplace_back(static_cast<int>(code_.instrs.size()), std::move(label));
  return Emit(Op::kJump);
}

FunctionBuilder& FunctionBuilder::JumpIfFalse(std::string label) {
  jump_fixups_.emplace_back(static_cast<int>(code_.instrs.size()), std::move(label));
  return Emit(Op::kPopJumpIfFalse);
}

FunctionBuilder& FunctionBuilder::Call(std::string function, int nargs) {
  call_fixups_.emplace_back(static_cast<int>(code_.instrs.size()), std::move(function));
  return Emit(Op::kCall, 0, nargs);
}

FunctionBuilder& FunctionBuilder::StackSize(int stacksize) {
  min_stacksize_ = stacksize;
  return *this;
}

// ---- ProgramBuilder -----------------------------------------------------------------------

FunctionBuilder& ProgramBuilder::Function(std::string name, int nargs, int nlocals) {
  return functions_.emplace_back(std::move(name), nargs, nlocals);
}

namespace {

[[noreturn]] void Fail(const Code& code, int index, const std::string& what) {
  throw std::invalid_argument(code.name + ": instruction " + std::to_string(index) + ": " + what);
}

// The stack effect of one instruction and where control goes next, for the stack-depth
// analysis (the same idea as CPython's stackdepth() in the compiler).
int StackEffect(const Instr& in) {
  switch (in.op) {
    case Op::kLoadConst:
    case Op::kLoadFast:
    case Op::kDupTop:
      return 1;
    case Op::kStoreFast:
    case Op::kPopTop:
    case Op::kBinaryAdd:
    case Op::kBinarySub:
    case Op::kBinaryMul:
    case Op::kCompareLt:
    case Op::kCompareLe:
    case Op::kCompareEq:
    case Op::kCompareGt:
    case Op::kPopJumpIfFalse:
    case Op::kReturnValue:
    case Op::kRaise:
      return -1;
    case Op::kJump:
      return 0;
    case Op::kCall:
      return 1 - in.b;
  }
  return 0;
}

// Pops needed before an instruction can run.
int StackNeeded(const Instr& in) {
  switch (in.op) {
    case Op::kLoadConst:
    case Op::kLoadFast:
    case Op::kJump:
      return 0;
    case Op::kDupTop:
    case Op::kStoreFast:
    case Op::kPopTop:
    case Op::kPopJumpIfFalse:
    case Op::kReturnValue:
    case Op::kRaise:
      return 1;
    case Op::kCall:
      return in.b;
    default:
      return 2;
  }
}

int ComputeStackSize(const Code& code) {
  const int n = static_cast<int>(code.instrs.size());
  std::vector<int> depth_at(static_cast<std::size_t>(n), -1);
  std::vector<int> work;
  int max_depth = 0;
  auto visit = [&](int target, int depth, int from) {
    if (target >= n) {
      Fail(code, from, "control runs off the end of the function");
    }
    int& seen = depth_at[static_cast<std::size_t>(target)];
    if (seen == -1) {
      seen = depth;
      work.push_back(target);
    } else if (seen != depth) {
      Fail(code, target, "reached with different stack depths");
    }
  };
  if (n == 0) {
    return 0;
  }
  visit(0, 0, 0);
  while (!work.empty()) {
    int i = work.back();
    work.pop_back();
    const Instr& in = code.instrs[static_cast<std::size_t>(i)];
    int depth = depth_at[static_cast<std::size_t>(i)];
    if (depth < StackNeeded(in)) {
      Fail(code, i, std::string(OpName(in.op)) + " on a short stack");
    }
    int after = depth + StackEffect(in);
    max_depth = std::max(max_depth, after);
    switch (in.op) {
      case Op::kJump:
        visit(in.a, after, i);
        break;
      case Op::kPopJumpIfFalse:
        visit(in.a, after, i);
        visit(i + 1, after, i);
        break;
      case Op::kReturnValue:
      case Op::kRaise:
        break;
      default:
        visit(i + 1, after, i);
        break;
    }
  }
  return max_depth;
}

}  // namespace

Program ProgramBuilder::Build() const {
  Program program;
  for (const FunctionBuilder& f : functions_) {
    program.functions.push_back(f.code_);
  }
  for (std::size_t fi = 0; fi < functions_.size(); ++fi) {
    const FunctionBuilder& f = functions_[fi];
    Code& code = program.functions[fi];
    for (std::size_t other = 0; other < fi; ++other) {
      if (program.functions[other].name == code.name) {
        throw std::invalid_argument("duplicate function " + code.name);
      }
    }
    for (const auto& fixup : f.jump_fixups_) {
      const int index = fixup.first;
      const std::string& label = fixup.second;
      auto it = std::find_if(f.labels_.begin(), f.labels_.end(),
                             [&](const auto& l) { return l.first == label; });
      if (it == f.labels_.end()) {
        Fail(code, index, "no label " + label);
      }
      code.instrs[static_cast<std::size_t>(index)].a = it->second;
    }
    for (const auto& [index, callee] : f.call_fixups_) {
      int target = program.IndexOf(callee);
      Instr& in = code.instrs[static_cast<std::size_t>(index)];
      in.a = target;
      if (in.b != program.functions[static_cast<std::size_t>(target)].nargs) {
        Fail(code, index, "CALL " + callee + " with the wrong number of arguments");
      }
    }
    for (std::size_t i = 0; i < code.instrs.size(); ++i) {
      const Instr& in = code.instrs[i];
      bool local = in.op == Op::kLoadFast || in.op == Op::kStoreFast;
      if (local && (in.a < 0 || in.a >= code.nlocals)) {
        Fail(code, static_cast<int>(i), "no local " + std::to_string(in.a));
      }
    }
    int computed = ComputeStackSize(code);
    if (f.min_stacksize_ != 0 && f.min_stacksize_ < computed) {
      throw std::invalid_argument(code.name + ": StackSize below the " + std::to_string(computed) +
                                  " the code needs");
    }
    code.stacksize = std::max(computed, f.min_stacksize_);
  }
  return program;
}

}  // namespace frames
