// Hidden tests: the recursion limit, exactly (frame.h rule 6).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "frames/vm.h"
#include "labkit/observe.h"
#include "labs/frames/tests/programs.h"

namespace frames {
namespace {

// def add(a, b): return a + b                                   (line 1)
// def sub(a, b): return a - b                                   (line 2)
// def main(): return sub(10, 3)                                 (line 3)
// def sum_to(n): return 0 if n == 0 else n + sum_to(n - 1)      (line 5)
Program MakeProgram() {
  ProgramBuilder b;
  programs::DefAdd(b, 1);
  programs::DefSub(b, 2);
  programs::DefMainCallingSub(b, 3);
  programs::DefSumTo(b, 5);
  return b.Build();
}

TEST(RecursionLimit, DepthEqualToLimitIsAllowed) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(50);
  EXPECT_EQ(LABKIT_OBSERVE(ts.RecursionLimit()), 50);
  // sum_to(49) .. sum_to(0): 50 frames.
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "sum_to", {49})), 1225);
}

TEST(RecursionLimit, LimitPlusOneRaises) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(50);
  std::size_t entries = 0;
  bool raised = false;
  try {
    Eval(ts, p, "sum_to", {50});  // would need 51 frames
  } catch (const RecursionError& e) {
    raised = true;
    entries = e.traceback().size();
    EXPECT_EQ(LABKIT_OBSERVE(e.type()), "RecursionError");
    EXPECT_EQ(LABKIT_OBSERVE(std::string(e.what())),
              "RecursionError: maximum recursion depth exceeded");
  }
  EXPECT_TRUE(LABKIT_OBSERVE(raised));
  // The traceback holds the 50 frames that were on the stack; the refused one never was.
  EXPECT_EQ(LABKIT_OBSERVE(entries), 50u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

TEST(RecursionLimit, RefusedPushChangesNothing) {
  ThreadState ts(1024);
  Code code = Code::Blank("f", 1, 1);
  ts.SetRecursionLimit(3);
  Frame* third = nullptr;
  for (int i = 0; i < 3; ++i) {
    third = ts.PushFrame(code);
  }
  Value* top = ts.datastack_top;
  std::size_t allocated = ts.ChunksAllocated();
  EXPECT_THROW(ts.PushFrame(code), RecursionError);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 3);
  EXPECT_EQ(ts.CurrentFrame(), third);
  EXPECT_EQ(ts.datastack_top, top);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated()), allocated);
}

TEST(RecursionLimit, RefusedPushAtChunkEdgeAllocatesNothing) {
  ThreadState ts(1024);
  Code big = Code::WithFrameSlots("big", 124);  // fills the root chunk exactly
  Code small = Code::Blank("small", 1);
  ts.SetRecursionLimit(1);
  ts.PushFrame(big);
  EXPECT_THROW(ts.PushFrame(small), RecursionError);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
}

TEST(RecursionLimit, SettingLimitAtOrBelowDepthIsRefused) {
  ThreadState ts;
  Code code = Code::Blank("f", 0, 0, 12);
  for (int i = 0; i < 5; ++i) {
    ts.PushFrame(code);
  }
  std::string message;
  std::size_t entries = 0;
  try {
    ts.SetRecursionLimit(5);
  } catch (const RecursionError& e) {
    message = e.message();
    entries = e.traceback().size();
  }
  EXPECT_EQ(LABKIT_OBSERVE(message),
            "cannot set the recursion limit to 5 at the recursion depth 5: the limit is too low");
  EXPECT_EQ(LABKIT_OBSERVE(entries), 5u);
  EXPECT_THROW(ts.SetRecursionLimit(2), RecursionError);
  EXPECT_EQ(LABKIT_OBSERVE(ts.RecursionLimit()), 1000);
  ts.SetRecursionLimit(6);
  EXPECT_EQ(LABKIT_OBSERVE(ts.RecursionLimit()), 6);
  ts.PushFrame(code);
  EXPECT_THROW(ts.PushFrame(code), RecursionError);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 6);
}

TEST(RecursionLimit, LimitBelowOneIsInvalid) {
  ThreadState ts;
  EXPECT_THROW(ts.SetRecursionLimit(0), std::invalid_argument);
  EXPECT_THROW(ts.SetRecursionLimit(-5), std::invalid_argument);
  std::string message;
  try {
    ts.SetRecursionLimit(0);
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  EXPECT_EQ(LABKIT_OBSERVE(message), "recursion limit must be greater or equal than 1");
  EXPECT_EQ(LABKIT_OBSERVE(ts.RecursionLimit()), 1000);
  ts.SetRecursionLimit(1);
  EXPECT_EQ(LABKIT_OBSERVE(ts.RecursionLimit()), 1);
}

TEST(RecursionLimit, LimitOfOne) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(1);
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "add", {1, 2})), 3);
  EXPECT_THROW(Eval(ts, p, "main"), RecursionError);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

TEST(RecursionLimit, FramesAlreadyOnTheStackCount) {
  Program p = MakeProgram();
  ThreadState ts;
  Code outer = Code::Blank("outer", 0);
  for (int i = 0; i < 10; ++i) {
    ts.PushFrame(outer);
  }
  ts.SetRecursionLimit(20);
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "sum_to", {9})), 45);  // 10 + 10 frames
  EXPECT_THROW(Eval(ts, p, "sum_to", {10}), RecursionError);  // 10 + 11
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 10);
}

TEST(RecursionLimit, RefusedCallLeavesCallerStackIntact) {
  ThreadState ts;
  Code caller = Code::Blank("caller", 0, 3);
  Code callee = Code::Blank("callee", 2);
  callee.nargs = 2;
  ts.SetRecursionLimit(2);
  Frame* f = ts.PushFrame(caller);
  f->localsplus()[f->stacktop++] = 11;
  f->localsplus()[f->stacktop++] = 22;
  Frame* g = ts.Call(callee, 2);  // depth 2 == limit: allowed
  EXPECT_EQ(LABKIT_OBSERVE(g->localsplus()[0]), 11);
  EXPECT_EQ(LABKIT_OBSERVE(g->localsplus()[1]), 22);
  EXPECT_EQ(LABKIT_OBSERVE(f->StackDepth()), 0);
  ts.PopFrame(g);
  Frame* h = ts.PushFrame(caller);  // depth 2 again
  h->localsplus()[h->stacktop++] = 5;
  h->localsplus()[h->stacktop++] = 6;
  EXPECT_THROW(ts.Call(callee, 2), RecursionError);  // depth 3 refused
  // The refused call did not take the arguments.
  EXPECT_EQ(LABKIT_OBSERVE(h->StackDepth()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(h->localsplus()[0] * 10 + h->localsplus()[1]), 56);
  EXPECT_EQ(ts.CurrentFrame(), h);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 2);
}

TEST(RecursionLimit, RaisingTheLimitAfterAnError) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(30);
  EXPECT_THROW(Eval(ts, p, "sum_to", {40}), RecursionError);
  ts.SetRecursionLimit(41);
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "sum_to", {40})), 820);
}

}  // namespace
}  // namespace frames
