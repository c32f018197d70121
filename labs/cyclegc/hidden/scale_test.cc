// Hidden tests: a million objects, collected on a 256 KiB C stack. Every step of a
// collection is a walk of a list; an implementation that recurses once per object (a
// recursive move_unreachable, a recursive "mark everything reachable") overflows the stack
// and fails here, under AddressSanitizer, instead of passing by luck on 8 MiB.
#include <gtest/gtest.h>

#include <cstddef>

#include "cyclegc/gc.h"
#include "labkit/c_stack.h"
#include "labkit/observe.h"
#include "labs/cyclegc/tests/fixture.h"
#include "labs/cyclegc/tests/graphs.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace cyclegc {
namespace {

using refcount::Ref;
using testing::CollectorTest;

class Scale : public CollectorTest {};

constexpr std::size_t kSmallCStack = std::size_t{256} * 1024;
constexpr int kMillion = 1000000;

Py_ssize_t CollectOnSmallStack(int generation = kNumGenerations - 1) {
  Py_ssize_t found = -1;
  labkit::RunWithCStack(kSmallCStack, [&] { found = Collect(generation); });
  return found;
}

TEST_F(Scale, MillionRing) {
  refcount::Decref(testing::MakeRing(kMillion));
  EXPECT_EQ(LABKIT_OBSERVE(CollectOnSmallStack()), kMillion);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Scale, MillionBackwardRingHeld) {
  // Every node but the entry is found unreachable first and must be moved back.
  Ref entry = Ref::Steal(testing::MakeBackwardRing(kMillion));
  EXPECT_EQ(LABKIT_OBSERVE(CollectOnSmallStack(0)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(1).size()), static_cast<std::size_t>(kMillion));
  entry.reset();
  EXPECT_EQ(LABKIT_OBSERVE(CollectOnSmallStack(1)), kMillion);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Scale, MillionRandomGraph) {
  refcount::Decref(testing::MakeRandomGraph(kMillion, 1, 12345));
  EXPECT_EQ(LABKIT_OBSERVE(CollectOnSmallStack()), kMillion);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Scale, LegacyObjectHoldingAMillion) {
  // Everything a legacy finalizer reaches is moved out, on the same small stack.
  Object* legacy = refcount::InstanceNew(2, testing::LegacyInstanceType());
  refcount::InstanceSetSlot(legacy, 0, legacy);
  Object* ring = testing::MakeBackwardRing(kMillion);
  refcount::InstanceSetSlot(legacy, 1, ring);
  refcount::Decref(ring);
  refcount::Decref(legacy);
  EXPECT_EQ(LABKIT_OBSERVE(CollectOnSmallStack()), kMillion + 1);
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[2].uncollectable), kMillion + 1);
  EXPECT_EQ(LABKIT_OBSERVE(Garbage().size()), 1u);
  refcount::InstanceSetSlot(legacy, 1, nullptr);
  refcount::InstanceSetSlot(legacy, 0, nullptr);
  ClearGarbage();
  EXPECT_EQ(LABKIT_OBSERVE(CollectOnSmallStack()), kMillion);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
