// Hidden tests: what Collect returns (collected plus uncollectable, nothing else) and what
// GetStats counts, per generation.
#include <gtest/gtest.h>

#include <stdexcept>

#include "cyclegc/gc.h"
#include "labkit/observe.h"
#include "labs/cyclegc/tests/fixture.h"
#include "labs/cyclegc/tests/graphs.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace cyclegc {
namespace {

using refcount::Ref;
using testing::CollectorTest;

class Results : public CollectorTest {};

// A legacy-finalizer instance that holds itself (slot 0). BORROWED: the cycle owns it.
Object* MakeLegacySelfLoop() {
  Object* op = refcount::InstanceNew(1, testing::LegacyInstanceType());
  refcount::InstanceSetSlot(op, 0, op);
  refcount::Decref(op);
  return op;
}

// Breaks a legacy self-loop that is in Garbage() and releases Garbage().
void FreeLegacySelfLoops() {
  for (Object* op : Garbage()) {
    refcount::InstanceSetSlot(op, 0, nullptr);
  }
  ClearGarbage();
}

TEST_F(Results, CollectedPlusUncollectable) {
  refcount::Decref(testing::MakeRing(2));
  refcount::Decref(testing::MakeRing(3));
  MakeLegacySelfLoop();
  refcount::Decref(testing::MakeRing(4));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 10);
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collections), 1);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collected), 9);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].uncollectable), 1);
  EXPECT_EQ(LABKIT_OBSERVE(stats[0].collections + stats[1].collections), 0);
  FreeLegacySelfLoops();
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Results, StatsPerGeneration) {
  refcount::Decref(testing::MakeRing(2));
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  refcount::Decref(testing::MakeRing(3));
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 3);
  refcount::Decref(testing::MakeSelfLoop());
  EXPECT_EQ(LABKIT_OBSERVE(Collect(2)), 1);
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[0].collections), 2);
  EXPECT_EQ(LABKIT_OBSERVE(stats[0].collected), 2);
  EXPECT_EQ(LABKIT_OBSERVE(stats[1].collections), 1);
  EXPECT_EQ(LABKIT_OBSERVE(stats[1].collected), 3);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collections), 1);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collected), 1);
  EXPECT_EQ(
      LABKIT_OBSERVE(stats[0].uncollectable + stats[1].uncollectable + stats[2].uncollectable), 0);
}

TEST_F(Results, NothingToCollect) {
  Ref ring = Ref::Steal(testing::MakeRing(5));
  Ref list = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collections), 1);
  EXPECT_EQ(LABKIT_OBSERVE(stats[0].collections), 1);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collected + stats[0].collected), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 6);
}

TEST_F(Results, AcyclicObjectsHangingOffGarbageAreCounted) {
  Object* loop = testing::MakeSelfLoop();
  Object* chain = testing::MakeChain(10);
  refcount::ListAppend(loop, chain);
  refcount::Decref(chain);
  refcount::Decref(loop);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 11);
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[2].collected), 11);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Results, NonContainersAreNotCounted) {
  Object* holder = testing::MakeLiveObjects(20);  // a list of 20 instances, ints and strings
  refcount::ListAppend(holder, holder);
  refcount::Decref(holder);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 61);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 21);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Results, InvalidGenerationsAreRejected) {
  refcount::Decref(testing::MakeSelfLoop());
  bool threw_high = false;
  bool threw_low = false;
  try {
    Collect(3);
  } catch (const std::invalid_argument&) {
    threw_high = true;
  }
  try {
    Collect(-1);
  } catch (const std::invalid_argument&) {
    threw_low = true;
  }
  EXPECT_TRUE(LABKIT_OBSERVE(threw_high));
  EXPECT_TRUE(LABKIT_OBSERVE(threw_low));
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 1);
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[1].collections), 1);
}

}  // namespace
}  // namespace cyclegc
