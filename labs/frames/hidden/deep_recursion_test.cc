// Hidden tests: very deep Python recursion must cost data stack, not C stack (frame.h rule
// 7). Each test runs the VM on a thread whose C stack is only 256 KiB: any C recursion per
// Python frame (in calls, unwinding, tracebacks or frame walking) overflows it and crashes.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "frames/vm.h"
#include "labkit/c_stack.h"
#include "labkit/observe.h"
#include "labs/frames/tests/programs.h"

namespace frames {
namespace {

constexpr std::size_t kSmallCStack = std::size_t{256} * 1024;

// Runs `body` on a new thread with a kSmallCStack-byte C stack and rethrows what it threw.
void RunOnSmallStack(const std::function<void()>& body) {
  labkit::RunWithCStack(kSmallCStack, body);
}

// def <name>(n): return <base> if n == 0 else <other>(n - 1)
void DefParity(ProgramBuilder& b, const std::string& name, int line, Value base,
               const std::string& other) {
  b.Function(name, 1)
      .Line(line)
      .LoadFast(0)
      .LoadConst(0)
      .Eq()
      .JumpIfFalse("recurse")
      .LoadConst(base)
      .ReturnValue()
      .Label("recurse")
      .LoadFast(0)
      .LoadConst(1)
      .Sub()
      .Call(other, 1)
      .ReturnValue();
}

// def sum_to(n): return 0 if n == 0 else n + sum_to(n - 1)      (line 5)
// def forever(n): return forever(n + 1)                          (line 6)
// def main(): return forever(0)                                  (line 7)
// def is_even(n): return 1 if n == 0 else is_odd(n - 1)          (line 8)
// def is_odd(n): return 0 if n == 0 else is_even(n - 1)          (line 9)
Program MakeProgram() {
  ProgramBuilder b;
  programs::DefSumTo(b, 5);
  programs::DefForever(b, 6);
  programs::DefCallWithZero(b, "main", 7, "forever");
  DefParity(b, "is_even", 8, 1, "is_odd");
  DefParity(b, "is_odd", 9, 0, "is_even");
  return b.Build();
}

TEST(DeepRecursion, HundredThousandFramesOnSmallCStack) {
  Program p = MakeProgram();
  Value result = 0;
  int depth_after = -1;
  std::size_t live = 0;
  RunOnSmallStack([&] {
    ThreadState ts;
    ts.SetRecursionLimit(100000);
    // sum_to(99999) .. sum_to(0): exactly 100,000 frames.
    result = Eval(ts, p, "sum_to", {99999});
    depth_after = ts.Depth();
    live = ts.LiveChunks();
  });
  EXPECT_EQ(LABKIT_OBSERVE(result), INT64_C(4999950000));
  EXPECT_EQ(LABKIT_OBSERVE(depth_after), 0);
  EXPECT_EQ(LABKIT_OBSERVE(live), 1u);
}

TEST(DeepRecursion, RecursionErrorAtHundredThousandUnwinds) {
  Program p = MakeProgram();
  std::string text;
  std::size_t entries = 0;
  int depth_after = -1;
  std::size_t live = 0, allocated = 0, freed = 0;
  RunOnSmallStack([&] {
    ThreadState ts;
    ts.SetRecursionLimit(100000);
    try {
      Eval(ts, p, "forever", {0});
    } catch (const RecursionError& e) {
      entries = e.traceback().size();
      text = e.Format();
    }
    depth_after = ts.Depth();
    live = ts.LiveChunks();
    allocated = ts.ChunksAllocated();
    freed = ts.ChunksFreed();
  });
  EXPECT_EQ(LABKIT_OBSERVE(entries), 100000u);
  EXPECT_EQ(LABKIT_OBSERVE(text),
            "Traceback (most recent call last):\n"
            "  File \"<labkit>\", line 6, in forever\n"
            "  File \"<labkit>\", line 6, in forever\n"
            "  File \"<labkit>\", line 6, in forever\n"
            "  [Previous line repeated 99997 more times]\n"
            "RecursionError: maximum recursion depth exceeded\n");
  EXPECT_EQ(LABKIT_OBSERVE(depth_after), 0);
  EXPECT_EQ(LABKIT_OBSERVE(live), 1u);
  EXPECT_EQ(allocated, freed + 1);
}

TEST(DeepRecursion, MutualRecursionFiftyThousand) {
  Program p = MakeProgram();
  Value even = -1, odd = -1;
  RunOnSmallStack([&] {
    ThreadState ts;
    ts.SetRecursionLimit(50001);
    even = Eval(ts, p, "is_even", {50000});
    odd = Eval(ts, p, "is_odd", {50000});
  });
  EXPECT_EQ(LABKIT_OBSERVE(even), 1);
  EXPECT_EQ(LABKIT_OBSERVE(odd), 0);
}

TEST(DeepRecursion, DeepWithTinyChunks) {
  // 20,000 frames, one or two per chunk: 10,000+ chunks pushed and popped.
  Program p = MakeProgram();
  Value result = 0;
  std::size_t live = 0, allocated = 0;
  RunOnSmallStack([&] {
    ThreadState ts(128);
    ts.SetRecursionLimit(20000);
    result = Eval(ts, p, "sum_to", {19999});
    live = ts.LiveChunks();
    allocated = ts.ChunksAllocated();
  });
  EXPECT_EQ(LABKIT_OBSERVE(result), INT64_C(199990000));
  EXPECT_EQ(LABKIT_OBSERVE(live), 1u);
  // sum_to frames: 3 + 1 local + 3 stack = 7 slots; 128-byte chunks hold 13 slots: one frame
  // per chunk (the root holds one too: 24 + 8 * 8 = 88 <= 128).
  EXPECT_EQ(LABKIT_OBSERVE(allocated), 20000u);
}

TEST(DeepRecursion, DeepStackWalkAndUnwindOnSmallCStack) {
  Code code = Code::Blank("deep", 2, 1, 3);
  std::string ends;
  int depth_mid = -1, depth_after = -1;
  bool outermost_ok = false;
  RunOnSmallStack([&] {
    ThreadState ts;
    ts.SetRecursionLimit(100000);
    Frame* first = ts.PushFrame(code);
    for (int i = 1; i < 100000; ++i) {
      ts.PushFrame(code);
    }
    depth_mid = ts.Depth();
    outermost_ok = ts.GetFrame(99999) == first;
    auto tb = ts.CaptureTraceback();
    ends = tb.front().function + ":" + std::to_string(tb.front().line) + " " +
           std::to_string(tb.size());
    ts.UnwindTo(0);
    depth_after = ts.Depth();
  });
  EXPECT_EQ(LABKIT_OBSERVE(depth_mid), 100000);
  EXPECT_TRUE(LABKIT_OBSERVE(outermost_ok));
  EXPECT_EQ(LABKIT_OBSERVE(ends), "deep:3 100000");
  EXPECT_EQ(LABKIT_OBSERVE(depth_after), 0);
}

TEST(DeepRecursion, DefaultLimitRunawayFromMain) {
  Program p = MakeProgram();
  std::string text;
  RunOnSmallStack([&] {
    ThreadState ts;
    try {
      Eval(ts, p, "main");
    } catch (const RecursionError& e) {
      text = e.Format();
    }
  });
  // main + 999 forever frames: the famous "996 more times".
  EXPECT_EQ(LABKIT_OBSERVE(text),
            "Traceback (most recent call last):\n"
            "  File \"<labkit>\", line 7, in main\n"
            "  File \"<labkit>\", line 6, in forever\n"
            "  File \"<labkit>\", line 6, in forever\n"
            "  File \"<labkit>\", line 6, in forever\n"
            "  [Previous line repeated 996 more times]\n"
            "RecursionError: maximum recursion depth exceeded\n");
}

}  // namespace
}  // namespace frames
