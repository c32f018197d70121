// Hidden tests: resurrection -- a finalizer that stores a reference to its object, or to
// another unreachable object, somewhere live. What it reaches is kept whole, moved to the
// next generation, and not counted; what it does not reach is still collected.
#include <gtest/gtest.h>

#include <vector>

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
using testing::FinalizerLog;
using testing::MakeInstanceRing;
using testing::Resurrected;

class Resurrection : public CollectorTest {};

TEST_F(Resurrection, KeepsEverythingItReaches) {
  // a -> b -> c -> a, and a also holds a list with an int in it.
  auto ring = MakeInstanceRing(3, 2);
  Object* list = refcount::ListNew(0);
  refcount::ListAppend(list, Ref::Steal(refcount::IntFromLong(5000)).get());
  refcount::InstanceSetSlot(ring[0], 1, list);
  refcount::Decref(list);
  testing::SetResurrectingFinalizer(ring[0], "a");
  testing::SetRecordingFinalizer(ring[1], "b");
  testing::SetRecordingFinalizer(ring[2], "c");
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);  // resurrected objects are not counted
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a b c ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 5);
  EXPECT_EQ(LABKIT_OBSERVE(Resurrected().size()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[0].collected), 0);
  // Kept whole, in the next generation.
  EXPECT_TRUE(LABKIT_OBSERVE(GetObjects(0).empty()));
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(1).size()), 4u);
  Ref slot = Ref::Steal(refcount::InstanceGetSlot(ring[2], 0));
  EXPECT_TRUE(slot.get() == ring[0]);
  slot = Ref::Steal(refcount::InstanceGetSlot(ring[0], 1));
  EXPECT_TRUE(slot.get() == list);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Size(list)), 1);
  slot.reset();
  EXPECT_TRUE(LABKIT_OBSERVE(IsFinalized(ring[0]) && IsFinalized(ring[1]) && IsFinalized(ring[2])));
  // Dropped again: collected, no finalizer runs a second time.
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);  // they are in generation 1
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 4);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a b c ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

// Resurrects what slot 1 holds, not the instance itself.
void ResurrectSlot1(Object* self, void* /*arg*/) {
  Resurrected().push_back(refcount::InstanceGetSlot(self, 1));
}

TEST_F(Resurrection, OfAnotherObject) {
  // x holds itself and y; only x refers to y. x's finalizer stores y somewhere live.
  Object* x = refcount::InstanceNew(2);
  Object* y = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(x, 0, x);
  refcount::InstanceSetSlot(x, 1, y);
  refcount::Decref(y);
  refcount::Decref(x);
  refcount::InstanceSetFinalizer(x, ResurrectSlot1, nullptr);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 1);
  ASSERT_EQ(Resurrected().size(), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(y)), 1);
  EXPECT_TRUE(LABKIT_OBSERVE(IsFinalized(y)));  // its (empty) tp_finalize ran too
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(y)));
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Resurrection, OneCycleDoesNotSaveAnother) {
  auto saved = MakeInstanceRing(2);
  auto lost = MakeInstanceRing(3);
  testing::SetResurrectingFinalizer(saved[1], "s");
  testing::SetRecordingFinalizer(lost[0], "l");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "s l ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(2).size()), 2u);
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "s l ");
}

TEST_F(Resurrection, SurvivorsKeepMovingUp) {
  auto ring = MakeInstanceRing(2);
  testing::SetResurrectingFinalizer(ring[1], "b");
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(1).size()), 2u);
  EXPECT_TRUE(LABKIT_OBSERVE(GetObjects(0).empty()));
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(2).size()), 2u);
  EXPECT_TRUE(LABKIT_OBSERVE(GetObjects(1).empty()));
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[1].collected), 0);
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(Collect(2)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "b ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
