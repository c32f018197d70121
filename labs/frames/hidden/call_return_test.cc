// Hidden tests: calls and returns (arguments into locals, results onto the caller's stack).
#include <gtest/gtest.h>

#include <cstdint>

#include "frames/vm.h"
#include "labkit/observe.h"
#include "labs/frames/tests/programs.h"

namespace frames {
namespace {

TEST(CallReturn, ArgumentOrder) {
  // def digits(a, b, c, d): return ((a * 10 + b) * 10 + c) * 10 + d
  // def main(): return digits(1, 2, 3, 4)
  ProgramBuilder b;
  b.Function("digits", 4)
      .LoadFast(0)
      .LoadConst(10)
      .Mul()
      .LoadFast(1)
      .Add()
      .LoadConst(10)
      .Mul()
      .LoadFast(2)
      .Add()
      .LoadConst(10)
      .Mul()
      .LoadFast(3)
      .Add()
      .ReturnValue();
  b.Function("main", 0)
      .LoadConst(1)
      .LoadConst(2)
      .LoadConst(3)
      .LoadConst(4)
      .Call("digits", 4)
      .ReturnValue();
  Program p = b.Build();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "main")), 1234);
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "digits", {9, 8, 7, 6})), 9876);
}

TEST(CallReturn, CallMovesArgumentsDirectly) {
  ThreadState ts;
  Code caller = Code::Blank("caller", 1, 4);
  Code callee = Code::Blank("callee", 4, 1);
  callee.nargs = 2;
  Frame* f = ts.PushFrame(caller);
  for (Value v : {100, 200, 300}) {
    f->localsplus()[f->stacktop++] = v;
  }
  Frame* g = ts.Call(callee, 2);
  EXPECT_EQ(ts.CurrentFrame(), g);
  EXPECT_EQ(g->previous, f);
  EXPECT_EQ(LABKIT_OBSERVE(g->localsplus()[0]), 200);
  EXPECT_EQ(LABKIT_OBSERVE(g->localsplus()[1]), 300);
  EXPECT_EQ(LABKIT_OBSERVE(g->localsplus()[2]), 0);  // other locals start at 0
  EXPECT_EQ(LABKIT_OBSERVE(g->localsplus()[3]), 0);
  EXPECT_EQ(LABKIT_OBSERVE(g->stacktop), 4);
  EXPECT_EQ(LABKIT_OBSERVE(f->StackDepth()), 1);
  EXPECT_EQ(ts.Return(77), f);
  EXPECT_EQ(ts.CurrentFrame(), f);
  EXPECT_EQ(LABKIT_OBSERVE(f->StackDepth()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(f->localsplus()[f->stacktop - 1]), 77);
  EXPECT_EQ(LABKIT_OBSERVE(f->localsplus()[f->stacktop - 2]), 100);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 1);
}

TEST(CallReturn, ZeroArgumentCallAndReturnAcrossChunks) {
  ThreadState ts(1024);
  Code caller = Code::WithFrameSlots("caller", 120);
  Code callee = Code::Blank("callee", 0, 10);
  Frame* f = ts.PushFrame(caller);
  Frame* g = ts.Call(callee, 0);  // does not fit: new chunk
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
  EXPECT_EQ(g->previous, f);
  EXPECT_EQ(ts.Return(5), f);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(f->localsplus()[f->stacktop - 1]), 5);
}

TEST(CallReturn, CallerStackKeptAcrossCall) {
  // def seven(): return 7
  // def main(): return 100 - (1000 + seven())  -> the 100 and 1000 wait under the call
  ProgramBuilder b;
  b.Function("seven", 0).LoadConst(7).ReturnValue();
  b.Function("main", 0).LoadConst(100).LoadConst(1000).Call("seven", 0).Add().Sub().ReturnValue();
  Program p = b.Build();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "main")), -907);
}

TEST(CallReturn, NestedCallsAsArguments) {
  // def sq(x): return x * x
  // def sum3(a, b, c): return a + b + c
  // def main(): return sum3(sq(2), sq(sq(3)), 5)
  ProgramBuilder b;
  b.Function("sq", 1).LoadFast(0).LoadFast(0).Mul().ReturnValue();
  b.Function("sum3", 3).LoadFast(0).LoadFast(1).Add().LoadFast(2).Add().ReturnValue();
  b.Function("main", 0)
      .LoadConst(2)
      .Call("sq", 1)
      .LoadConst(3)
      .Call("sq", 1)
      .Call("sq", 1)
      .LoadConst(5)
      .Call("sum3", 3)
      .ReturnValue();
  Program p = b.Build();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "main")), 4 + 81 + 5);
}

TEST(CallReturn, ManyLocals) {
  // def wide(n): 3000 locals (a frame of ~24 KB, bigger than a chunk); stores n into
  // local 2999, recurses to depth 5, returns local 2999 + the callee's result.
  ProgramBuilder b;
  b.Function("wide", 1, 3000)
      .LoadFast(0)
      .StoreFast(2999)
      .LoadFast(0)
      .LoadConst(0)
      .Eq()
      .JumpIfFalse("recurse")
      .LoadFast(1500)  // never written: 0
      .ReturnValue()
      .Label("recurse")
      .LoadFast(2999)
      .LoadFast(0)
      .LoadConst(1)
      .Sub()
      .Call("wide", 1)
      .Add()
      .ReturnValue();
  Program p = b.Build();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "wide", {5})), 15);
  // Every wide frame needs its own 32 KiB chunk (the root one too).
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated()), 6u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunkBytes()), 32768u);
}

TEST(CallReturn, LocalsAreZeroEvenOnReusedMemory) {
  ThreadState ts;
  Code code = Code::Blank("f", 8, 2);
  Frame* f = ts.PushFrame(code);
  for (int i = 0; i < 10; ++i) {
    f->localsplus()[i] = -1;
  }
  ts.PopFrame(f);
  Frame* g = ts.PushFrame(code);
  EXPECT_EQ(g, f);  // same slots
  Value sum = 0;
  for (int i = 0; i < 8; ++i) {
    sum += g->localsplus()[i];
  }
  EXPECT_EQ(LABKIT_OBSERVE(sum), 0);
}

TEST(CallReturn, Fibonacci) {
  ProgramBuilder b;
  programs::DefFib(b, 1);
  Program p = b.Build();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "fib", {22})), 17711);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

}  // namespace
}  // namespace frames
