// Hidden tests: walking the frame chain (GetFrame like sys._getframe, Depth, previous links).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "frames/vm.h"
#include "labkit/observe.h"

namespace frames {
namespace {

TEST(FrameWalking, GetFrameCountsFromTheInnermost) {
  ThreadState ts;
  Code a = Code::Blank("a", 1), b = Code::Blank("b", 2), c = Code::Blank("c", 3);
  Frame* fa = ts.PushFrame(a);
  Frame* fb = ts.PushFrame(b);
  Frame* fc = ts.PushFrame(c);
  EXPECT_EQ(ts.GetFrame(0), fc);
  EXPECT_EQ(ts.GetFrame(1), fb);
  EXPECT_EQ(ts.GetFrame(2), fa);
  std::string names;
  for (int n = 0; n < 3; ++n) {
    names += ts.GetFrame(n)->code->name;
  }
  EXPECT_EQ(LABKIT_OBSERVE(names), "cba");
  EXPECT_EQ(fc->previous, fb);
  EXPECT_EQ(fb->previous, fa);
  EXPECT_EQ(fa->previous, nullptr);
}

TEST(FrameWalking, TooDeepThrows) {
  ThreadState ts;
  EXPECT_THROW(ts.GetFrame(0), std::out_of_range);
  Code a = Code::Blank("a", 0);
  ts.PushFrame(a);
  ts.PushFrame(a);
  EXPECT_NO_THROW(ts.GetFrame(1));
  std::string message;
  try {
    ts.GetFrame(2);
  } catch (const std::out_of_range& e) {
    message = e.what();
  }
  EXPECT_EQ(LABKIT_OBSERVE(message), "call stack is not deep enough");
  EXPECT_THROW(ts.GetFrame(1000), std::out_of_range);
}

TEST(FrameWalking, NegativeIsTheCurrentFrame) {
  ThreadState ts;
  Code a = Code::Blank("a", 0);
  ts.PushFrame(a);
  Frame* top = ts.PushFrame(a);
  EXPECT_TRUE(LABKIT_OBSERVE(ts.GetFrame(-1) == top));
  EXPECT_TRUE(LABKIT_OBSERVE(ts.GetFrame(-100) == top));
}

TEST(FrameWalking, WalkAcrossChunks) {
  ThreadState ts(256);
  Code code = Code::WithFrameSlots("f", 20);
  std::vector<Frame*> frames;
  frames.reserve(50);
  for (int i = 0; i < 50; ++i) {
    frames.push_back(ts.PushFrame(code));
  }
  int mismatches = 0;
  for (int n = 0; n < 50; ++n) {
    mismatches += ts.GetFrame(n) != frames[49 - n];
  }
  EXPECT_EQ(LABKIT_OBSERVE(mismatches), 0);
  EXPECT_EQ(ts.GetFrame(49), frames[0]);
  EXPECT_THROW(ts.GetFrame(50), std::out_of_range);
}

TEST(FrameWalking, DepthMatchesTheChain) {
  ThreadState ts(512);
  Code code = Code::WithFrameSlots("f", 30);
  std::string trace;
  auto chain = [&] {
    int n = 0;
    for (Frame* f = ts.CurrentFrame(); f != nullptr; f = f->previous) {
      ++n;
    }
    return n;
  };
  for (int i = 0; i < 12; ++i) {
    ts.PushFrame(code);
  }
  trace += std::to_string(ts.Depth()) + "/" + std::to_string(chain()) + " ";
  for (int i = 0; i < 5; ++i) {
    ts.PopFrame(ts.CurrentFrame());
  }
  trace += std::to_string(ts.Depth()) + "/" + std::to_string(chain()) + " ";
  ts.UnwindTo(2);
  trace += std::to_string(ts.Depth()) + "/" + std::to_string(chain()) + " ";
  EXPECT_EQ(LABKIT_OBSERVE(trace), "12/12 7/7 2/2 ");
}

TEST(FrameWalking, CallersAreWaitingInTheirCall) {
  // While the innermost frame is being set up by CALL, its callers' ip point past their CALL.
  ProgramBuilder b;
  b.Function("inner", 0).Line(3).LoadConst(1).Raise();
  b.Function("middle", 0).Line(5).LoadConst(0).PopTop().Line(6).Call("inner", 0).ReturnValue();
  b.Function("outer", 0).Line(8).Call("middle", 0).ReturnValue();
  Program p = b.Build();
  ThreadState ts;
  std::string where;
  try {
    Eval(ts, p, "outer");
  } catch (const RuntimeError& e) {
    for (const auto& entry : e.traceback()) {
      where += entry.function + ":" + std::to_string(entry.line) + " ";
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(where), "outer:8 middle:6 inner:3 ");
}

}  // namespace
}  // namespace frames
