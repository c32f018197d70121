// The toy lab's public tests.
#include "toylab/toy.h"

#include <gtest/gtest.h>

#include "labkit/observe.h"

namespace {

TEST(AddPublic, Small) { EXPECT_EQ(LABKIT_OBSERVE(toylab::Add(2, 3)), 5); }

TEST(AddPublic, Negative) { EXPECT_EQ(LABKIT_OBSERVE(toylab::Add(-2, -3)), -5); }

TEST(SumPublic, Small) { EXPECT_EQ(LABKIT_OBSERVE(toylab::SumTo(4)), 10); }

TEST(ReversePublic, Word) {
  EXPECT_EQ(LABKIT_OBSERVE(toylab::Reverse("grader")), "redarg");
  // Half of this test's share is for a palindrome check that uses given code.
  std::string r = toylab::Reverse("abcba");
  labkit::ReportFraction(toylab::CommonPrefixLength(r, "abcba") == 5 ? 1.0 : 0.5);
}

}  // namespace
