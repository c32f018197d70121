// Public tests for the frames lab: the basics. The hidden tests go much further (chunk edges,
// 100,000-deep recursion on a small C stack, exact tracebacks, unwinding, ...): passing these
// is the start, not the end.
#include <gtest/gtest.h>

#include <cstdint>

#include "frames/vm.h"
#include "labkit/observe.h"
#include "labs/frames/tests/programs.h"

namespace frames {
namespace {

// def add(a, b): return a + b
// def sub(a, b): return a - b
// def main(): return sub(10, 3)
// def fact(n): return 1 if n < 2 else n * fact(n - 1)
// def sum_to(n): return 0 if n == 0 else n + sum_to(n - 1)
// def forever(n): return forever(n + 1)
Program MakeProgram() {
  ProgramBuilder b;
  programs::DefAdd(b, 1);
  programs::DefSub(b, 2);
  programs::DefMainCallingSub(b, 3);
  programs::DefFact(b, 4);
  programs::DefSumTo(b, 5);
  programs::DefForever(b, 6);
  return b.Build();
}

TEST(PublicPushPop, OneFrame) {
  ThreadState ts;
  Code code = Code::Blank("f", /*nlocals=*/3, /*stacksize=*/2);
  Frame* f = ts.PushFrame(code);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 1);
  EXPECT_EQ(ts.CurrentFrame(), f);
  EXPECT_EQ(f->code, &code);
  EXPECT_EQ(f->previous, nullptr);
  EXPECT_EQ(LABKIT_OBSERVE(f->ip), 0);
  EXPECT_EQ(LABKIT_OBSERVE(f->stacktop), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f->localsplus()[i], 0) << "local " << i;
  }
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);

  ts.PopFrame(f);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
  EXPECT_EQ(ts.CurrentFrame(), nullptr);
  // The root chunk is kept (frame.h rule 4).
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
}

TEST(PublicPushPop, FramesAreContiguous) {
  ThreadState ts;
  Code a = Code::Blank("a", 2, 1);
  Code b = Code::Blank("b", 1, 1);
  Frame* fa = ts.PushFrame(a);
  Frame* fb = ts.PushFrame(b);
  // Rule 4: the root chunk's data[0] is skipped; then frames are packed slot by slot.
  EXPECT_EQ(reinterpret_cast<Value*>(fa), ts.CurrentChunk()->data() + 1);
  EXPECT_EQ(reinterpret_cast<Value*>(fb), reinterpret_cast<Value*>(fa) + a.FrameSlots());
  EXPECT_EQ(fb->previous, fa);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 2);
  ts.PopFrame(fb);
  EXPECT_EQ(ts.CurrentFrame(), fa);
  ts.PopFrame(fa);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

TEST(PublicCallReturn, AddTwoArguments) {
  Program p = MakeProgram();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "add", {2, 40})), 42);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

TEST(PublicCallReturn, CallAnotherFunction) {
  Program p = MakeProgram();
  ThreadState ts;
  // 10 - 3, not 3 - 10: the first argument is local 0.
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "main")), 7);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

TEST(PublicRecursion, Factorial) {
  Program p = MakeProgram();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "fact", {10})), 3628800);
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "fact", {20})), INT64_C(2432902008176640000));
}

TEST(PublicRecursion, FiftyLevels) {
  Program p = MakeProgram();
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "sum_to", {50})), 1275);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

TEST(PublicRecursion, DefaultLimitIs1000) {
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(ts.RecursionLimit()), 1000);
  Program p = MakeProgram();
  // 999 nested sum_to calls plus the one for n == 0: 1000 frames, exactly the limit.
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "sum_to", {999})), 499500);
}

TEST(PublicRecursion, RunawayRecursionRaises) {
  Program p = MakeProgram();
  ThreadState ts;
  bool raised = false;
  try {
    Eval(ts, p, "forever", {0});
  } catch (const RecursionError& e) {
    raised = true;
    EXPECT_EQ(LABKIT_OBSERVE(e.message()), "maximum recursion depth exceeded");
    EXPECT_EQ(LABKIT_OBSERVE(e.traceback().size()), 1000u);
  }
  EXPECT_TRUE(LABKIT_OBSERVE(raised));
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

}  // namespace
}  // namespace frames
