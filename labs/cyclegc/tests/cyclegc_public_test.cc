// Public tests for the cyclegc lab: the basics of tracking, of finding cycles, and of the gc
// module's counters. The hidden tests go much further (each phase of a collection on its
// own, exact list order and flags, generations and thresholds, finalizers and resurrection,
// legacy finalizers, a million objects on a small C stack, use-after-free and leaks under
// AddressSanitizer): passing these is the start, not the end. Run them with
// `./labkit public cyclegc`.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "fixture.h"
#include "graphs.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace cyclegc {
namespace {

using refcount::Ref;
using testing::CollectorTest;
using testing::FinalizerLog;
using testing::Positions;

using Counts = std::array<int, kNumGenerations>;

class PublicTracking : public CollectorTest {};
class PublicCycles : public CollectorTest {};
class PublicGcModule : public CollectorTest {};

// ---- Tracking: Track, Untrack, OnAlloc, OnFree -----------------------------------------------

TEST_F(PublicTracking, NewListIsTrackedInGenerationZero) {
  Object* list = refcount::ListNew(0);
  EXPECT_TRUE(IsTracked(list));
  auto objects = GetObjects(0);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0], list);
  EXPECT_EQ(GetCount()[0], 1);
  refcount::Decref(list);
  EXPECT_TRUE(GetObjects(0).empty());
  EXPECT_EQ(GetCount()[0], 0);
}

TEST_F(PublicTracking, ContainersAreTrackedInAllocationOrder) {
  Ref list = Ref::Steal(refcount::ListNew(0));
  Ref tuple = Ref::Steal(refcount::TupleNew(1));
  Ref instance = Ref::Steal(refcount::InstanceNew(2));
  Ref number = Ref::Steal(refcount::IntFromLong(1000));  // not a container
  EXPECT_FALSE(IsTracked(number.get()));
  EXPECT_EQ(Positions(GetObjects(0), {list.get(), tuple.get(), instance.get()}), "0 1 2");
  EXPECT_EQ(Positions(GetObjects(-1), {list.get(), tuple.get(), instance.get()}), "0 1 2");
  EXPECT_TRUE(GetObjects(1).empty());
  EXPECT_TRUE(GetObjects(2).empty());
  EXPECT_EQ(GetCount(), (Counts{3, 0, 0}));
}

TEST_F(PublicTracking, FreeingTheMiddleObjectKeepsTheListLinked) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  Ref c = Ref::Steal(refcount::ListNew(0));
  b.reset();
  EXPECT_EQ(Positions(GetObjects(0), {a.get(), c.get()}), "0 1");
  EXPECT_TRUE(testing::BackLinksConsistent(GenerationHead(0)));
  EXPECT_EQ(GetCount()[0], 2);
  Ref d = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(Positions(GetObjects(0), {a.get(), c.get(), d.get()}), "0 1 2");
  EXPECT_EQ(GetCount()[0], 3);
}

TEST_F(PublicTracking, UntrackAndTrackAgain) {
  Ref list = Ref::Steal(refcount::ListNew(0));
  refcount::GcUntrack(list.get());
  EXPECT_FALSE(IsTracked(list.get()));
  EXPECT_TRUE(GetObjects(0).empty());
  refcount::GcTrack(list.get());
  EXPECT_TRUE(IsTracked(list.get()));
  EXPECT_EQ(Positions(GetObjects(0), {list.get()}), "0");
}

// ---- Cycles: what one collection finds -----------------------------------------------------

TEST_F(PublicCycles, SelfLoopIsCollected) {
  Object* loop = testing::MakeSelfLoop();
  refcount::Decref(loop);
  EXPECT_EQ(LiveSinceSetUp(), 1);
  EXPECT_EQ(Collect(), 1);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

TEST_F(PublicCycles, ReachableRingSurvives) {
  Object* ring = testing::MakeRing(10);
  EXPECT_EQ(Collect(), 0);
  EXPECT_EQ(LiveSinceSetUp(), 10);
  refcount::Decref(ring);
  EXPECT_EQ(Collect(), 10);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

TEST_F(PublicCycles, PairOfInstances) {
  Object* a = refcount::InstanceNew(1);
  Object* b = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(a, 0, b);
  refcount::InstanceSetSlot(b, 0, a);
  refcount::Decref(a);
  refcount::Decref(b);
  EXPECT_EQ(Collect(), 2);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

TEST_F(PublicCycles, CliqueAndTree) {
  refcount::Decref(testing::MakeClique(20));
  refcount::Decref(testing::MakeTreeWithParents(31));
  EXPECT_EQ(Collect(), 51);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

TEST_F(PublicCycles, AcyclicChainIsFreedWithoutTheCollector) {
  Object* chain = testing::MakeChain(100);
  EXPECT_EQ(LiveSinceSetUp(), 100);
  refcount::Decref(chain);
  EXPECT_EQ(LiveSinceSetUp(), 0);
  EXPECT_EQ(Collect(), 0);
}

TEST_F(PublicCycles, MillionRing) {
  Object* ring = testing::MakeRing(1000000);
  refcount::Decref(ring);
  EXPECT_EQ(Collect(), 1000000);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

// ---- The gc module: generations, counts, callbacks, finalizers ---------------------------------

TEST_F(PublicGcModule, SurvivorsMoveToTheNextGeneration) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(Collect(0), 0);
  EXPECT_TRUE(GetObjects(0).empty());
  EXPECT_EQ(Positions(GetObjects(1), {a.get(), b.get()}), "0 1");
  EXPECT_EQ(Collect(1), 0);
  EXPECT_TRUE(GetObjects(1).empty());
  EXPECT_EQ(Positions(GetObjects(2), {a.get(), b.get()}), "0 1");
}

TEST_F(PublicGcModule, CountsAfterACollection) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(GetCount(), (Counts{2, 0, 0}));
  Collect(0);
  EXPECT_EQ(GetCount(), (Counts{0, 1, 0}));
  Collect(1);
  EXPECT_EQ(GetCount(), (Counts{0, 0, 1}));
}

TEST_F(PublicGcModule, StatsCountCollectionsAndObjects) {
  refcount::Decref(testing::MakeRing(3));
  EXPECT_EQ(Collect(0), 3);
  auto stats = GetStats();
  EXPECT_EQ(stats[0].collections, 1);
  EXPECT_EQ(stats[0].collected, 3);
  EXPECT_EQ(stats[0].uncollectable, 0);
  EXPECT_EQ(stats[2].collections, 0);
}

TEST_F(PublicGcModule, CallbacksSeeStartAndStop) {
  testing::AddLoggingCallback();
  refcount::Decref(testing::MakeSelfLoop());
  EXPECT_EQ(Collect(2), 1);
  EXPECT_EQ(testing::CallbackLog(), "start 2 0 0|stop 2 1 0|");
}

TEST_F(PublicGcModule, FinalizerRunsBeforeTheCycleIsBroken) {
  Object* a = refcount::InstanceNew(1);
  Object* b = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(a, 0, b);
  refcount::InstanceSetSlot(b, 0, a);
  testing::SetCheckingFinalizer(a, "a");
  refcount::Decref(a);
  refcount::Decref(b);
  EXPECT_EQ(Collect(), 2);
  EXPECT_EQ(FinalizerLog(), "a:intact ");
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

TEST_F(PublicGcModule, FrozenObjectsAreNotCollected) {
  refcount::Decref(testing::MakeSelfLoop());
  Freeze();
  EXPECT_EQ(GetFreezeCount(), 1);
  EXPECT_EQ(Collect(), 0);
  Unfreeze();
  EXPECT_EQ(GetFreezeCount(), 0);
  EXPECT_EQ(Collect(), 1);
}

}  // namespace
}  // namespace cyclegc
