// Hidden tests: automatic collection -- when OnAlloc schedules one, which generation
// RunPendingCollection picks, and the long-lived rule that makes full collections rare.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "labkit/observe.h"
#include "labs/cyclegc/tests/fixture.h"
#include "labs/cyclegc/tests/graphs.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace cyclegc {
namespace {

using refcount::Ref;
using testing::CallbackLog;
using testing::CollectorTest;

class Thresholds : public CollectorTest {};

std::string CountsText() {
  const auto counts = GetCount();
  return std::to_string(counts[0]) + " " + std::to_string(counts[1]) + " " +
         std::to_string(counts[2]);
}

// `n` new empty lists, held.
void AllocateHeld(std::vector<Ref>* held, int n) {
  for (int i = 0; i < n; ++i) {
    held->push_back(Ref::Steal(refcount::ListNew(0)));
  }
}

TEST_F(Thresholds, ScheduledOnceTheCountPassesThreshold0) {
  SetThreshold(5);
  std::vector<Ref> held;
  AllocateHeld(&held, 5);
  EXPECT_FALSE(LABKIT_OBSERVE(CollectionPending()));
  AllocateHeld(&held, 1);
  EXPECT_TRUE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "6 0 0");  // scheduled, not run
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[0].collections), 0);
  EXPECT_EQ(LABKIT_OBSERVE(RunPendingCollection()), 0);
  EXPECT_FALSE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 1 0");
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[0].collections), 1);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(1).size()), 6u);
  // Nothing scheduled: nothing runs.
  EXPECT_EQ(LABKIT_OBSERVE(RunPendingCollection()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[0].collections), 1);
}

TEST_F(Thresholds, NotScheduledWhenDisabledOrThreshold0IsZero) {
  std::vector<Ref> held;
  SetThreshold(2);
  Disable();
  AllocateHeld(&held, 4);
  EXPECT_FALSE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[0]), 4);
  Enable();
  AllocateHeld(&held, 1);
  EXPECT_TRUE(LABKIT_OBSERVE(CollectionPending()));
  RunPendingCollection();
  SetThreshold(0);
  AllocateHeld(&held, 10);
  EXPECT_FALSE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[0]), 10);
}

// Allocates five lists and keeps them (in Resurrected()).
void AllocatingFinalizer(Object* /*self*/, void* /*arg*/) {
  for (int i = 0; i < 5; ++i) {
    testing::Resurrected().push_back(refcount::ListNew(0));
  }
}

TEST_F(Thresholds, NotScheduledDuringACollection) {
  Object* loop = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(loop, 0, loop);
  refcount::InstanceSetFinalizer(loop, AllocatingFinalizer, nullptr);
  refcount::Decref(loop);
  SetThreshold(3);
  EXPECT_FALSE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 1);
  EXPECT_FALSE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "4 0 0");  // five allocated, the loop freed
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Thresholds, OldestGenerationOverItsThresholdIsCollected) {
  SetThreshold(1000, 1000, 1000);
  testing::AddLoggingCallback();
  std::vector<Ref> held;
  AllocateHeld(&held, 1);
  Collect(0);
  Collect(0);
  Collect(0);
  AllocateHeld(&held, 3);
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "3 3 0");
  SetThreshold(3, 2, 5);
  refcount::Decref(testing::MakeSelfLoop());  // count 4 > 3: scheduled
  EXPECT_TRUE(LABKIT_OBSERVE(CollectionPending()));
  CallbackLog().clear();
  EXPECT_EQ(LABKIT_OBSERVE(RunPendingCollection()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 1 0 0|stop 1 1 0|");
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 1");
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(2).size()), 4u);
}

TEST_F(Thresholds, YoungestWhenNoOlderIsOver) {
  SetThreshold(1000, 1000, 1000);
  testing::AddLoggingCallback();
  std::vector<Ref> held;
  AllocateHeld(&held, 1);
  Collect(0);
  Collect(0);             // counts: 0 2 0
  SetThreshold(1, 2, 0);  // generation 1's count must EXCEED 2
  AllocateHeld(&held, 2);
  EXPECT_TRUE(LABKIT_OBSERVE(CollectionPending()));
  CallbackLog().clear();
  RunPendingCollection();
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 0 0 0|stop 0 0 0|");
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 3 0");
}

TEST_F(Thresholds, FullCollectionWaitsForEnoughLongLivedObjects) {
  SetThreshold(1000, 1000, 1000);
  std::vector<Ref> held;
  AllocateHeld(&held, 8);
  Collect(2);  // long_lived_total = 8: a full collection needs long_lived_pending >= 2
  AllocateHeld(&held, 1);
  Collect(1);  // long_lived_pending = 1
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 1");
  testing::AddLoggingCallback();

  SetThreshold(1, 5, 0);  // generation 2 is over its threshold, but 1 < 8 / 4
  refcount::Decref(testing::MakeSelfLoop());
  AllocateHeld(&held, 1);
  EXPECT_TRUE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(RunPendingCollection()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 0 0 0|stop 0 1 0|");

  SetThreshold(1000, 1000, 1000);
  Collect(1);  // moves one more object to generation 2: long_lived_pending = 2
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 2");
  CallbackLog().clear();
  SetThreshold(1, 5, 0);
  refcount::Decref(testing::MakeSelfLoop());
  AllocateHeld(&held, 1);
  EXPECT_TRUE(LABKIT_OBSERVE(CollectionPending()));
  EXPECT_EQ(LABKIT_OBSERVE(RunPendingCollection()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 2 0 0|stop 2 1 0|");
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 0");
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_total), 11);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_pending), 0);
}

TEST_F(Thresholds, SkippedFullCollectionFallsThroughToGeneration1) {
  SetThreshold(1000, 1000, 1000);
  std::vector<Ref> held;
  AllocateHeld(&held, 8);
  Collect(2);
  Collect(1);  // nothing moves: long_lived_pending stays 0
  for (int i = 0; i < 6; ++i) {
    Collect(0);
  }
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 6 1");
  testing::AddLoggingCallback();
  SetThreshold(1, 5, 0);
  AllocateHeld(&held, 2);
  RunPendingCollection();
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 1 0 0|stop 1 0 0|");
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 2");
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_pending), 2);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_total), 8);
}

TEST_F(Thresholds, LongLivedCountersFollowEachCollection) {
  SetThreshold(1000, 1000, 1000);
  std::vector<Ref> held;
  AllocateHeld(&held, 3);
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_pending), 0);
  Collect(1);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_pending), 3);
  AllocateHeld(&held, 2);
  Collect(1);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_pending), 5);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_total), 0);
  AllocateHeld(&held, 1);
  Collect(2);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_pending), 0);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_total), 6);
  held.resize(2);
  refcount::Decref(testing::MakeRing(3));
  EXPECT_EQ(LABKIT_OBSERVE(Collect(2)), 3);
  EXPECT_EQ(LABKIT_OBSERVE(State().long_lived_total), 2);
}

TEST_F(Thresholds, AutomaticCollectionsFreeGarbage) {
  SetThreshold(10);
  std::string found;
  Py_ssize_t total = 0;
  for (int i = 1; i <= 33; ++i) {
    refcount::Decref(testing::MakeSelfLoop());
    const Py_ssize_t n = RunPendingCollection();
    total += n;
    if (n != 0) {
      found += std::to_string(i) + ":" + std::to_string(n) + " ";
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(found), "11:11 22:11 33:11 ");
  EXPECT_EQ(LABKIT_OBSERVE(total), 33);
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 3 0");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Thresholds, ManyAutomaticCollections) {
  // Pairs made and dropped, with a safe point after every allocation, and every 100th pair
  // kept: collections of every generation, the long-lived rule deciding the full ones.
  SetThreshold(100, 4, 3);
  std::vector<Ref> kept;
  Py_ssize_t total = 0;
  for (int i = 0; i < 20000; ++i) {
    Object* a = refcount::InstanceNew(1);
    total += RunPendingCollection();
    Object* b = refcount::InstanceNew(1);
    total += RunPendingCollection();
    refcount::InstanceSetSlot(a, 0, b);
    refcount::InstanceSetSlot(b, 0, a);
    refcount::Decref(b);
    if (i % 100 == 0) {
      kept.push_back(Ref::Steal(a));
    } else {
      refcount::Decref(a);
    }
  }
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[0].collections), 321);
  EXPECT_EQ(LABKIT_OBSERVE(stats[1].collections), 64);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collections), 11);
  EXPECT_EQ(LABKIT_OBSERVE(total), stats[0].collected + stats[1].collected + stats[2].collected);
  EXPECT_EQ(LABKIT_OBSERVE(total + Collect()), 39600);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 400);
}

}  // namespace
}  // namespace cyclegc
