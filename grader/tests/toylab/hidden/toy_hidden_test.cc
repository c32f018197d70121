// The toy lab's hidden tests. The literal below must never reach a student's report.
#include <gtest/gtest.h>

#include "labkit/observe.h"
#include "toylab/toy.h"

namespace {

TEST(SumHidden, Large) {
  EXPECT_EQ(LABKIT_OBSERVE(toylab::SumTo(100000)), 5000050000LL) << "HIDDEN-SECRET-EXPECTED-VALUE";
}

TEST(SumHidden, Zero) { EXPECT_EQ(LABKIT_OBSERVE(toylab::SumTo(0)), 0); }

TEST(ReverseHidden, Empty) { EXPECT_EQ(LABKIT_OBSERVE(toylab::Reverse("")), ""); }

}  // namespace
