#include "labs/frames/tests/programs.h"

namespace frames::programs {

void DefAdd(ProgramBuilder& b, int line) {
  b.Function("add", 2).Line(line).LoadFast(0).LoadFast(1).Add().ReturnValue();
}

void DefSub(ProgramBuilder& b, int line) {
  b.Function("sub", 2).Line(line).LoadFast(0).LoadFast(1).Sub().ReturnValue();
}

void DefMainCallingSub(ProgramBuilder& b, int line) {
  b.Function("main", 0).Line(line).LoadConst(10).LoadConst(3).Call("sub", 2).ReturnValue();
}

// One C++ statement per Python statement: the test, the early return, then the recursion.

void DefFact(ProgramBuilder& b, int line) {
  FunctionBuilder& f = b.Function("fact", 1).Line(line);
  f.LoadFast(0).LoadConst(2).Lt().JumpIfFalse("recurse");  // if n < 2:
  f.LoadConst(1).ReturnValue();                            //     return 1
  f.Label("recurse");                                      // return n * fact(n - 1)
  f.LoadFast(0).LoadFast(0).LoadConst(1).Sub().Call("fact", 1).Mul().ReturnValue();
}

void DefSumTo(ProgramBuilder& b, int line) {
  FunctionBuilder& f = b.Function("sum_to", 1).Line(line);
  f.LoadFast(0).LoadConst(0).Eq().JumpIfFalse("recurse");  // if n == 0:
  f.LoadConst(0).ReturnValue();                            //     return 0
  f.Label("recurse");                                      // return n + sum_to(n - 1)
  f.LoadFast(0).LoadFast(0).LoadConst(1).Sub().Call("sum_to", 1).Add().ReturnValue();
}

void DefFib(ProgramBuilder& b, int line) {
  FunctionBuilder& f = b.Function("fib", 1).Line(line);
  f.LoadFast(0).LoadConst(2).Lt().JumpIfFalse("recurse");  // if n < 2:
  f.LoadFast(0).ReturnValue();                             //     return n
  f.Label("recurse");                                      // return fib(n - 1) + fib(n - 2)
  f.LoadFast(0).LoadConst(1).Sub().Call("fib", 1);
  f.LoadFast(0).LoadConst(2).Sub().Call("fib", 1).Add().ReturnValue();
}

void DefDown(ProgramBuilder& b, int line) {
  FunctionBuilder& f = b.Function("down", 1).Line(line);
  f.LoadFast(0).LoadConst(0).Eq().JumpIfFalse("recurse");  // if n == 0:
  f.LoadConst(0).ReturnValue();                            //     return 0
  f.Label("recurse");                                      // return down(n - 1) + 1
  f.LoadFast(0).LoadConst(1).Sub().Call("down", 1).LoadConst(1).Add().ReturnValue();
}

void DefPassOn(ProgramBuilder& b, const std::string& name, int line, const std::string& callee) {
  b.Function(name, 1).Line(line).LoadFast(0).LoadConst(1).Add().Call(callee, 1).ReturnValue();
}

void DefForever(ProgramBuilder& b, int line) { DefPassOn(b, "forever", line, "forever"); }

void DefCallWithZero(ProgramBuilder& b, const std::string& name, int line,
                     const std::string& callee) {
  b.Function(name, 0).Line(line).LoadConst(0).Call(callee, 1).ReturnValue();
}

}  // namespace frames::programs
