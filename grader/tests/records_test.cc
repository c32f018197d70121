// Tests of the result-record protocol checks and output parsing (grader/runner.h).
#include <gtest/gtest.h>

#include "grader/runner.h"

namespace labkit::grader {
namespace {

using Verdict = RecordCheck::Verdict;
constexpr const char* kNonce = "0123456789abcdef";

TEST(CheckRecords, HonestPass) {
  RecordCheck c = CheckRecords(
      "START S.T 0123456789abcdef\nEND S.T PASS 0123456789abcdef 00000000deadbeef 3 0.500000\n",
      "S.T", kNonce);
  EXPECT_EQ(c.verdict, Verdict::kPass);
  EXPECT_EQ(c.digest, "00000000deadbeef");
  EXPECT_EQ(c.observations, 3);
  EXPECT_DOUBLE_EQ(c.fraction, 0.5);
}

TEST(CheckRecords, FailWithEscapedMessages) {
  RecordCheck c = CheckRecords(
      "START S.T 0123456789abcdef\n"
      "FAIL_MSG S.T 0123456789abcdef a.cc:3: Expected: 1\\nActual: 2 \\\\ end\n"
      "END S.T FAIL 0123456789abcdef 0 1 1.000000\n",
      "S.T", kNonce);
  EXPECT_EQ(c.verdict, Verdict::kFail);
  ASSERT_EQ(c.failure_messages.size(), 1u);
  EXPECT_EQ(c.failure_messages[0], "a.cc:3: Expected: 1\nActual: 2 \\ end");
}

TEST(CheckRecords, MissingWhenNothingOrNoEnd) {
  EXPECT_EQ(CheckRecords("", "S.T", kNonce).verdict, Verdict::kMissing);
  EXPECT_EQ(CheckRecords("START S.T 0123456789abcdef\n", "S.T", kNonce).verdict, Verdict::kMissing);
}

TEST(CheckRecords, WrongNonceIsForged) {
  RecordCheck c =
      CheckRecords("START S.T missing\nEND S.T PASS missing 0 0 1.000000\n", "S.T", kNonce);
  EXPECT_EQ(c.verdict, Verdict::kForged);
  EXPECT_NE(c.problem.find("wrong nonce"), std::string::npos);
}

TEST(CheckRecords, DuplicateEndIsForged) {
  EXPECT_EQ(CheckRecords("START S.T 0123456789abcdef\n"
                         "END S.T FAIL 0123456789abcdef 0 0 1.000000\n"
                         "END S.T PASS 0123456789abcdef 0 0 1.000000\n",
                         "S.T", kNonce)
                .verdict,
            Verdict::kForged);
}

TEST(CheckRecords, DuplicateStartIsForged) {
  EXPECT_EQ(CheckRecords("START S.T 0123456789abcdef\nSTART S.T 0123456789abcdef\n"
                         "END S.T PASS 0123456789abcdef 0 0 1.000000\n",
                         "S.T", kNonce)
                .verdict,
            Verdict::kForged);
}

TEST(CheckRecords, EndWithoutStartIsForged) {
  EXPECT_EQ(CheckRecords("END S.T PASS 0123456789abcdef 0 0 1.000000\n", "S.T", kNonce).verdict,
            Verdict::kForged);
}

TEST(CheckRecords, RecordForAnotherTestIsForged) {
  EXPECT_EQ(CheckRecords("START S.Other 0123456789abcdef\n"
                         "END S.Other PASS 0123456789abcdef 0 0 1.000000\n",
                         "S.T", kNonce)
                .verdict,
            Verdict::kForged);
}

TEST(CheckRecords, JunkLinesAndBadNumbersAreForged) {
  EXPECT_EQ(CheckRecords("[  PASSED  ] 1 test.\n", "S.T", kNonce).verdict, Verdict::kForged);
  EXPECT_EQ(CheckRecords("START S.T 0123456789abcdef\nEND S.T PASS 0123456789abcdef 0 x 1\n", "S.T",
                         kNonce)
                .verdict,
            Verdict::kForged);
  EXPECT_EQ(CheckRecords("START S.T 0123456789abcdef\nEND S.T PASS 0123456789abcdef 0 0 2.0\n",
                         "S.T", kNonce)
                .verdict,
            Verdict::kForged);
  EXPECT_EQ(CheckRecords("START S.T 0123456789abcdef\nEND S.T WIN 0123456789abcdef 0 0 1\n", "S.T",
                         kNonce)
                .verdict,
            Verdict::kForged);
}

TEST(SanitizerReason, RecognisesReports) {
  EXPECT_EQ(SanitizerReason("==12==ERROR: AddressSanitizer: heap-use-after-free on address 0x1"),
            "AddressSanitizer: heap-use-after-free");
  EXPECT_EQ(SanitizerReason("\n==9==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak"),
            "leaked memory (LeakSanitizer)");
  EXPECT_EQ(SanitizerReason("a.cc:3:5: runtime error: signed integer overflow: 2147483647 + 1"),
            "undefined behaviour (UBSan): signed integer overflow: 2147483647 + 1");
  EXPECT_EQ(SanitizerReason("WARNING: ThreadSanitizer: data race (pid=3)\n"),
            "ThreadSanitizer: data race");
  EXPECT_EQ(SanitizerReason("all good\n"), "");
}

TEST(ParseTestList, SuitesNamesAndParameters) {
  auto tests = ParseTestList(
      "Running main() from harness\n"
      "FrameStack.\n  Push\n  Pop\n"
      "Sizes/ParamTest.  # TypeParam = int\n  Case/0  # GetParam() = 1\n  Case/1  # GetParam() = "
      "2\n");
  EXPECT_EQ(tests, (std::vector<std::string>{"FrameStack.Push", "FrameStack.Pop",
                                             "Sizes/ParamTest.Case/0", "Sizes/ParamTest.Case/1"}));
}

}  // namespace
}  // namespace labkit::grader
