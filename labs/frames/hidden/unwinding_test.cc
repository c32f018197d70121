// Hidden tests: unwinding after errors pops every frame and releases every chunk (and
// LeakSanitizer checks nothing is lost).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "frames/vm.h"
#include "labkit/observe.h"
#include "labs/frames/tests/programs.h"

namespace frames {
namespace {

// def dive(n): if n == 0: raise n + 42       else: return dive(n - 1)   (lines 20-22)
// def fact(n): ...                                                      (line 4)
Program MakeProgram() {
  ProgramBuilder b;
  b.Function("dive", 1)
      .Line(20)
      .LoadFast(0)
      .LoadConst(0)
      .Eq()
      .JumpIfFalse("recurse")
      .Line(21)
      .LoadFast(0)
      .LoadConst(42)
      .Add()
      .Raise()
      .Label("recurse")
      .Line(22)
      .LoadFast(0)
      .LoadConst(1)
      .Sub()
      .Call("dive", 1)
      .ReturnValue();
  programs::DefFact(b, 4);
  // A frame of 400 slots: with 1 KiB chunks every call takes a chunk of 4 KiB.
  b.Function("fat", 1, 300)
      .Line(30)
      .LoadFast(0)
      .LoadConst(0)
      .Eq()
      .JumpIfFalse("recurse")
      .LoadConst(7)
      .Raise()
      .Label("recurse")
      .LoadFast(0)
      .LoadConst(1)
      .Sub()
      .Call("fat", 1)
      .ReturnValue()
      .StackSize(97);
  return b.Build();
}

TEST(Unwinding, RaiseDeepReleasesEveryChunk) {
  Program p = MakeProgram();
  ThreadState ts(1024);
  std::string message;
  try {
    Eval(ts, p, "dive", {300});
  } catch (const RuntimeError& e) {
    message = e.message();
  }
  EXPECT_EQ(LABKIT_OBSERVE(message), "42");
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
  EXPECT_EQ(ts.CurrentFrame(), nullptr);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunkChainLength()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksFreed() + 1), ts.ChunksAllocated());
  EXPECT_EQ(ts.datastack_top, ts.CurrentChunk()->data() + 1);
}

TEST(Unwinding, RecursionErrorReleasesBigChunks) {
  Program p = MakeProgram();
  ThreadState ts(1024);
  ts.SetRecursionLimit(40);
  EXPECT_THROW(Eval(ts, p, "fat", {100}), RecursionError);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  // 400-slot frames: root 4 KiB, then one 4 KiB chunk per frame (two do not fit in one).
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated()), 40u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunkBytes()), 4096u);
}

TEST(Unwinding, UnwindToMiddleAcrossChunks) {
  ThreadState ts(1024);
  Code code = Code::WithFrameSlots("f", 45);  // two per chunk
  std::vector<Frame*> frames;
  frames.reserve(20);
  for (int i = 0; i < 20; ++i) {
    frames.push_back(ts.PushFrame(code));
  }
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 10u);
  ts.UnwindTo(7);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 7);
  EXPECT_EQ(ts.CurrentFrame(), frames[6]);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 4u);
  // The next frame goes exactly where frame 8 was.
  EXPECT_EQ(ts.PushFrame(code), frames[7]);
  ts.UnwindTo(7);
  ts.UnwindTo(7);  // already there: nothing happens
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 7);
  ts.UnwindTo(0);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(ts.datastack_top, ts.CurrentChunk()->data() + 1);
}

TEST(Unwinding, EvalLeavesOuterFramesAlone) {
  Program p = MakeProgram();
  ThreadState ts(1024);
  Code outer = Code::WithFrameSlots("outer", 100);
  Frame* a = ts.PushFrame(outer);
  Frame* b = ts.PushFrame(outer);  // in a second chunk
  Value* top = ts.datastack_top;
  StackChunk* chunk = ts.CurrentChunk();
  EXPECT_THROW(Eval(ts, p, "dive", {50}), RuntimeError);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 2);
  EXPECT_EQ(ts.CurrentFrame(), b);
  EXPECT_EQ(b->previous, a);
  EXPECT_EQ(ts.datastack_top, top);
  EXPECT_EQ(ts.CurrentChunk(), chunk);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
}

TEST(Unwinding, ReuseAfterUnwind) {
  Program p = MakeProgram();
  ThreadState ts(1024);
  for (int round = 0; round < 5; ++round) {
    EXPECT_THROW(Eval(ts, p, "dive", {100 + round}), RuntimeError);
    EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "fact", {15})), 1307674368000);
  }
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
}

TEST(Unwinding, PopFrameOfNonCurrentFrameIsAnError) {
  ThreadState ts;
  Code code = Code::Blank("f", 1);
  Frame* a = ts.PushFrame(code);
  ts.PushFrame(code);
  EXPECT_THROW(ts.PopFrame(a), std::logic_error);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 2);
  ts.UnwindTo(0);
  EXPECT_EQ(LABKIT_OBSERVE(ts.Depth()), 0);
}

TEST(Unwinding, ErrorCarriesTypeAndMessage) {
  Program p = MakeProgram();
  ThreadState ts;
  std::string what, type;
  try {
    Eval(ts, p, "dive", {0});
  } catch (const VmError& e) {
    what = e.what();
    type = e.type();
  }
  EXPECT_EQ(LABKIT_OBSERVE(type), "RuntimeError");
  EXPECT_EQ(LABKIT_OBSERVE(what), "RuntimeError: 42");
}

TEST(Unwinding, ManyThreadStatesNoLeaks) {
  Program p = MakeProgram();
  for (int i = 0; i < 50; ++i) {
    ThreadState ts(256);
    ts.SetRecursionLimit(200);
    EXPECT_THROW(Eval(ts, p, "dive", {500}), RecursionError);
    ASSERT_EQ(ts.LiveChunks(), 1u);
  }
  // LeakSanitizer reports anything not freed when the process exits.
  labkit::Observe("rounds", 50);
}

}  // namespace
}  // namespace frames
