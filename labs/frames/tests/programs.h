// Small programs and utilities shared by the frames tests and the frames benchmark.
//
// Each Def* function adds one function to a ProgramBuilder, as the Python in its comment,
// with every instruction on source line `line` (tracebacks show it).
#pragma once

#include <cstddef>
#include <string>

#include "frames/code.h"

namespace frames::programs {

// def add(a, b): return a + b
void DefAdd(ProgramBuilder& b, int line);

// def sub(a, b): return a - b
void DefSub(ProgramBuilder& b, int line);

// def main(): return sub(10, 3)
void DefMainCallingSub(ProgramBuilder& b, int line);

// def fact(n): return 1 if n < 2 else n * fact(n - 1)
void DefFact(ProgramBuilder& b, int line);

// def sum_to(n): return 0 if n == 0 else n + sum_to(n - 1)
void DefSumTo(ProgramBuilder& b, int line);

// def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
void DefFib(ProgramBuilder& b, int line);

// def down(n): return 0 if n == 0 else down(n - 1) + 1
void DefDown(ProgramBuilder& b, int line);

// def <name>(n): return <callee>(n + 1)
void DefPassOn(ProgramBuilder& b, const std::string& name, int line, const std::string& callee);

// def forever(n): return forever(n + 1)
void DefForever(ProgramBuilder& b, int line);

// def <name>(): return <callee>(0)
void DefCallWithZero(ProgramBuilder& b, const std::string& name, int line,
                     const std::string& callee);

}  // namespace frames::programs
