// labkit/observe.h: what a test observed, for the grader to check outside the
// test process.
//
// A test binary links a student's code, and that code runs in the same process
// as the test. Whatever the test process knows, the student's code can know,
// so a test's own verdict ("PASS") can in principle be forged. An observation
// cannot be forged without knowing the right answer: each test folds the values
// it checks into a digest, and the grader compares that digest with the one the
// reference solution produced for the same test, in a run the submission never
// sees. A test passes only if its checks pass AND its digest matches.
//
// Rules for test authors:
//   - Observe only values the test also asserts exactly (so a correct solution
//     always reproduces the reference's digest).
//   - Observe nothing that varies from run to run: no addresses, times, or
//     thread interleavings.
//
//   EXPECT_EQ(LABKIT_OBSERVE(stack.Depth()), 3);   // observes and passes through
//   labkit::Observe("traceback", text);
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace labkit {

// Folds `label` and `text` into the current test's observation digest.
void ObserveText(std::string_view label, std::string_view text);

// Reports how much of a measured quantity a test achieved, in [0, 1]
// (for example space utilisation as a fraction of the reference's). The rubric
// scales the test's points by it. A test that never calls it scores 1 on a pass.
void ReportFraction(double fraction);

template <typename T>
const T& Observe(std::string_view label, const T& value) {
  std::ostringstream text;
  if constexpr (std::is_same_v<T, bool>) {
    text << (value ? "true" : "false");
  } else {
    text << value;
  }
  ObserveText(label, text.str());
  return value;
}

}  // namespace labkit

#define LABKIT_OBSERVE(expr) (::labkit::Observe(#expr, (expr)))
