// Hidden tests: Track, Untrack, OnAlloc and OnFree -- the order of the generation lists,
// the FINALIZED bit across untrack and track, generation 0's count, and untracked objects
// staying out of every collection.
#include <gtest/gtest.h>

#include <array>

#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "labkit/observe.h"
#include "labs/cyclegc/tests/fixture.h"
#include "labs/cyclegc/tests/graphs.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace cyclegc {
namespace {

using refcount::AsGc;
using refcount::Ref;
using testing::BackLinksConsistent;
using testing::CollectorTest;
using testing::Positions;

class Tracking : public CollectorTest {};

TEST_F(Tracking, ListOrderFollowsTrackingAndFreeing) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::InstanceNew(1));
  Ref c = Ref::Steal(refcount::TupleNew(2));
  Ref d;
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(0), {a.get(), b.get(), c.get()})), "0 1 2");
  b.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(0), {a.get(), b.get(), c.get()})), "0 2");
  a.reset();
  d = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(-1), {a.get(), b.get(), c.get(), d.get()})), "2 3");
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(GenerationHead(0))));
  c.reset();
  d.reset();
  EXPECT_TRUE(LABKIT_OBSERVE(ListIsEmpty(GenerationHead(0))));
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(GenerationHead(0))));
}

TEST_F(Tracking, UntrackKeepsOnlyTheFinalizedBit) {
  Ref x = Ref::Steal(refcount::InstanceNew(0));
  Ref y = Ref::Steal(refcount::InstanceNew(0));
  refcount::GcSetFinalized(x.get());
  refcount::GcUntrack(x.get());
  refcount::GcUntrack(y.get());
  EXPECT_EQ(LABKIT_OBSERVE(AsGc(x.get())->gc_next), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(AsGc(x.get())->gc_prev), kGcPrevMaskFinalized);
  EXPECT_EQ(LABKIT_OBSERVE(AsGc(y.get())->gc_prev), 0u);
  EXPECT_TRUE(LABKIT_OBSERVE(IsFinalized(x.get())));
  EXPECT_FALSE(LABKIT_OBSERVE(IsFinalized(y.get())));
  EXPECT_TRUE(LABKIT_OBSERVE(ListIsEmpty(GenerationHead(0))));
}

TEST_F(Tracking, TrackKeepsTheFinalizedBit) {
  Ref x = Ref::Steal(refcount::InstanceNew(0));
  Ref y = Ref::Steal(refcount::InstanceNew(0));
  refcount::GcSetFinalized(y.get());
  refcount::GcUntrack(x.get());
  refcount::GcUntrack(y.get());
  refcount::GcTrack(y.get());
  refcount::GcTrack(x.get());
  EXPECT_TRUE(LABKIT_OBSERVE(IsFinalized(y.get())));
  EXPECT_FALSE(LABKIT_OBSERVE(IsFinalized(x.get())));
  EXPECT_EQ(LABKIT_OBSERVE(AsGc(y.get())->gc_prev & refcount::kGcPrevFlagsMask),
            kGcPrevMaskFinalized);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(0), {x.get(), y.get()})), "1 0");
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(GenerationHead(0))));
  // Still finalized after a collection moved it.
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(IsFinalized(y.get())));
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(1), {x.get(), y.get()})), "1 0");
}

TEST_F(Tracking, CountFollowsAllocationsAndFrees) {
  using Counts = std::array<int, kNumGenerations>;
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::TupleNew(1));
  Ref c = Ref::Steal(refcount::InstanceNew(1));
  Ref number = Ref::Steal(refcount::IntFromLong(5000));  // not containers: not counted
  Ref text = Ref::Steal(refcount::StrFromString("text"));
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[0]), 3);
  b.reset();
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[0]), 2);
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE((GetCount() == Counts{0, 1, 0})), true);
  a.reset();  // freed from generation 1: generation 0's count stays at 0
  c.reset();
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[0]), 0);
  Ref d = Ref::Steal(refcount::ListNew(0));
  Ref e = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[0]), 2);
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[1]), 1);
}

TEST_F(Tracking, FreeingAnOldObjectDecrementsGenerationZero) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  Collect(0);
  Ref c = Ref::Steal(refcount::ListNew(0));
  Ref d = Ref::Steal(refcount::ListNew(0));
  a.reset();  // in generation 1, but the count is of allocations minus frees
  EXPECT_EQ(LABKIT_OBSERVE(GetCount()[0]), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(1), {a.get(), b.get()})), "1");
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(GenerationHead(1))));
}

TEST_F(Tracking, UntrackedCycleIsNeverCollected) {
  Object* loop = testing::MakeSelfLoop();
  refcount::GcUntrack(loop);
  refcount::Decref(loop);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 1);
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(loop)));
  refcount::GcTrack(loop);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Tracking, UntrackFromAnOlderGenerationAndTrackAgain) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  Ref c = Ref::Steal(refcount::ListNew(0));
  Collect(1);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {a.get(), b.get(), c.get()})), "0 1 2");
  refcount::GcUntrack(b.get());
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {a.get(), b.get(), c.get()})), "0 2");
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(GenerationHead(2))));
  Ref d = Ref::Steal(refcount::ListNew(0));
  refcount::GcTrack(b.get());
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(0), {a.get(), b.get(), c.get(), d.get()})), "3 1");
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(-1), {a.get(), b.get(), c.get(), d.get()})),
            "3 1 0 2");
}

TEST_F(Tracking, UntrackedTupleInAGarbageCycleKeepsItAlive) {
  // A list holds an untracked tuple that holds the list: the tuple is outside the set, so
  // its reference to the list counts as coming from outside.
  Object* list = refcount::ListNew(0);
  Object* tuple = refcount::TupleNew(1);
  refcount::TupleSetItem(tuple, 0, refcount::NewRef(list));
  refcount::ListAppend(list, tuple);
  refcount::GcUntrack(tuple);
  refcount::Decref(tuple);
  refcount::Decref(list);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 2);
  refcount::GcTrack(tuple);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
