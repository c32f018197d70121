// Hidden tests: tracebacks, captured from the frame chain and printed as CPython prints them.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "frames/vm.h"
#include "labkit/observe.h"
#include "labs/frames/tests/programs.h"

namespace frames {
namespace {

// def main():            # line 10
//     x = 1              # line 11
//     return a(x)        # line 12
// def a(x):              # line 20
//     return b(x + 6)    # line 21
// def b(y):              # line 30
//     y = y * 1          # line 31
//     raise y            # line 32
// def forever(n): return forever(n + 1)                          (line 6)
// def spin(): return forever(0)                                  (line 40)
// def ping(n): return pong(n + 1)                                (line 50)
// def pong(n): return ping(n + 1)                                (line 60)
Program MakeProgram() {
  ProgramBuilder b;
  b.Function("main", 0, 1)
      .Line(10)
      .Line(11)
      .LoadConst(1)
      .StoreFast(0)
      .Line(12)
      .LoadFast(0)
      .Call("a", 1)
      .ReturnValue();
  b.Function("a", 1).Line(20).Line(21).LoadFast(0).LoadConst(6).Add().Call("b", 1).ReturnValue();
  b.Function("b", 1)
      .Line(30)
      .Line(31)
      .LoadFast(0)
      .LoadConst(1)
      .Mul()
      .StoreFast(0)
      .Line(32)
      .LoadFast(0)
      .Raise();
  programs::DefForever(b, 6);
  programs::DefCallWithZero(b, "spin", 40, "forever");
  programs::DefPassOn(b, "ping", 50, "pong");
  programs::DefPassOn(b, "pong", 60, "ping");
  return b.Build();
}

std::string Text(const std::vector<TracebackEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    out += e.function + ":" + std::to_string(e.line) + " ";
  }
  return out;
}

// Runs `function` on `ts` and returns the Format() of the `Error` it raises ("" if it returns).
template <typename Error>
std::string FormatRaised(ThreadState& ts, const Program& p, std::string_view function,
                         std::initializer_list<Value> args = {}) {
  std::string text;
  try {
    Eval(ts, p, function, args);
  } catch (const Error& e) {
    text = e.Format();
  }
  return text;
}

// The exact text of the RecursionError raised in spin(): spin, the first three forever frames,
// then `collapsed` (the "[Previous line repeated ...]" line, if any).
std::string SpinTraceback(const std::string& collapsed) {
  return "Traceback (most recent call last):\n"
         "  File \"<labkit>\", line 40, in spin\n"
         "  File \"<labkit>\", line 6, in forever\n"
         "  File \"<labkit>\", line 6, in forever\n"
         "  File \"<labkit>\", line 6, in forever\n" +
         collapsed + "RecursionError: maximum recursion depth exceeded\n";
}

TEST(Tracebacks, RaiseThroughThreeFramesExactText) {
  Program p = MakeProgram();
  ThreadState ts;
  std::string text = FormatRaised<RuntimeError>(ts, p, "main");
  EXPECT_EQ(LABKIT_OBSERVE(text),
            "Traceback (most recent call last):\n"
            "  File \"<labkit>\", line 12, in main\n"
            "  File \"<labkit>\", line 21, in a\n"
            "  File \"<labkit>\", line 32, in b\n"
            "RuntimeError: 7\n");
}

TEST(Tracebacks, EntriesOutermostFirst) {
  Program p = MakeProgram();
  ThreadState ts;
  std::vector<TracebackEntry> entries;
  try {
    Eval(ts, p, "main");
  } catch (const RuntimeError& e) {
    entries = e.traceback();
  }
  EXPECT_EQ(LABKIT_OBSERVE(Text(entries)), "main:12 a:21 b:32 ");
}

TEST(Tracebacks, CaptureOnPushedFrames) {
  ThreadState ts;
  Code outer = Code::Blank("outer", 0, 0, 7);
  Code inner = Code::Blank("inner", 2, 0, 99);
  ts.PushFrame(outer);
  ts.PushFrame(inner);
  ts.PushFrame(outer);
  // A frame that has not run an instruction is at its first line.
  EXPECT_EQ(LABKIT_OBSERVE(Text(ts.CaptureTraceback())), "outer:7 inner:99 outer:7 ");
  ts.UnwindTo(0);
  EXPECT_EQ(LABKIT_OBSERVE(ts.CaptureTraceback().size()), 0u);
}

TEST(Tracebacks, RecursionCollapsedAfterThree) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(10);
  std::string text = FormatRaised<RecursionError>(ts, p, "spin");
  EXPECT_EQ(LABKIT_OBSERVE(text), SpinTraceback("  [Previous line repeated 6 more times]\n"));
}

TEST(Tracebacks, OneMoreTimeIsSingular) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(5);  // spin + 4 forever
  std::string text = FormatRaised<RecursionError>(ts, p, "spin");
  EXPECT_EQ(LABKIT_OBSERVE(text), SpinTraceback("  [Previous line repeated 1 more time]\n"));
}

TEST(Tracebacks, RunOfExactlyThreeIsNotCollapsed) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(4);  // spin + 3 forever
  std::string text = FormatRaised<RecursionError>(ts, p, "spin");
  EXPECT_EQ(LABKIT_OBSERVE(text), SpinTraceback(""));
}

TEST(Tracebacks, MutualRecursionIsNotCollapsed) {
  Program p = MakeProgram();
  ThreadState ts;
  ts.SetRecursionLimit(6);
  std::string text = FormatRaised<RecursionError>(ts, p, "ping", {0});
  EXPECT_EQ(LABKIT_OBSERVE(text),
            "Traceback (most recent call last):\n"
            "  File \"<labkit>\", line 50, in ping\n"
            "  File \"<labkit>\", line 60, in pong\n"
            "  File \"<labkit>\", line 50, in ping\n"
            "  File \"<labkit>\", line 60, in pong\n"
            "  File \"<labkit>\", line 50, in ping\n"
            "  File \"<labkit>\", line 60, in pong\n"
            "RecursionError: maximum recursion depth exceeded\n");
}

TEST(Tracebacks, FormatRunsResetBetweenGroups) {
  std::vector<TracebackEntry> entries;
  entries.reserve(15);
  for (int i = 0; i < 5; ++i) {
    entries.push_back({"f", 1});
  }
  for (int i = 0; i < 4; ++i) {
    entries.push_back({"f", 2});  // same function, other line
  }
  for (int i = 0; i < 5; ++i) {
    entries.push_back({"g", 2});  // same line, other function
  }
  entries.push_back({"f", 1});
  EXPECT_EQ(LABKIT_OBSERVE(FormatTraceback(entries, "ValueError", "bad")),
            "Traceback (most recent call last):\n"
            "  File \"<labkit>\", line 1, in f\n"
            "  File \"<labkit>\", line 1, in f\n"
            "  File \"<labkit>\", line 1, in f\n"
            "  [Previous line repeated 2 more times]\n"
            "  File \"<labkit>\", line 2, in f\n"
            "  File \"<labkit>\", line 2, in f\n"
            "  File \"<labkit>\", line 2, in f\n"
            "  [Previous line repeated 1 more time]\n"
            "  File \"<labkit>\", line 2, in g\n"
            "  File \"<labkit>\", line 2, in g\n"
            "  File \"<labkit>\", line 2, in g\n"
            "  [Previous line repeated 2 more times]\n"
            "  File \"<labkit>\", line 1, in f\n"
            "ValueError: bad\n");
}

TEST(Tracebacks, FormatEdgeCases) {
  EXPECT_EQ(LABKIT_OBSERVE(FormatTraceback({}, "RecursionError", kRecursionMessage)),
            "RecursionError: maximum recursion depth exceeded\n");
  EXPECT_EQ(LABKIT_OBSERVE(FormatTraceback({{"main", 3}}, "RuntimeError", "")),
            "Traceback (most recent call last):\n"
            "  File \"<labkit>\", line 3, in main\n"
            "RuntimeError\n");
}

TEST(Tracebacks, TracebackSurvivesUnwinding) {
  // The frames are gone when the caller sees the error; the traceback must not point at them.
  Program p = MakeProgram();
  std::vector<TracebackEntry> entries;
  {
    ThreadState ts;
    try {
      Eval(ts, p, "main");
    } catch (const RuntimeError& e) {
      entries = e.traceback();
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(Text(entries)), "main:12 a:21 b:32 ");
  EXPECT_EQ(LABKIT_OBSERVE(FormatTraceback(entries, "RuntimeError", "7")),
            "Traceback (most recent call last):\n"
            "  File \"<labkit>\", line 12, in main\n"
            "  File \"<labkit>\", line 21, in a\n"
            "  File \"<labkit>\", line 32, in b\n"
            "RuntimeError: 7\n");
}

}  // namespace
}  // namespace frames
