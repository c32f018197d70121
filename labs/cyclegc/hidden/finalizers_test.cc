// Hidden tests: tp_finalize (PEP 442) -- once per object, ever, even when the object was
// resurrected; all of them before any tp_clear; finalizers that change the graph or call
// the collector while it runs them.
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

class Finalizers : public CollectorTest {};

TEST_F(Finalizers, EachRunsOnceInListOrder) {
  auto ring = MakeInstanceRing(3);
  testing::SetRecordingFinalizer(ring[0], "a");
  testing::SetRecordingFinalizer(ring[1], "b");
  testing::SetRecordingFinalizer(ring[2], "c");
  Ref live = Ref::Steal(refcount::InstanceNew(0));
  testing::SetRecordingFinalizer(live.get(), "live");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a b c ");
  EXPECT_FALSE(LABKIT_OBSERVE(IsFinalized(live.get())));
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 1);
}

TEST_F(Finalizers, AllRunBeforeAnyClear) {
  auto ring = MakeInstanceRing(4);
  testing::SetCheckingFinalizer(ring[0], "a");
  testing::SetCheckingFinalizer(ring[1], "b");
  testing::SetCheckingFinalizer(ring[2], "c");
  testing::SetCheckingFinalizer(ring[3], "d");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 4);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a:intact b:intact c:intact d:intact ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Finalizers, NotRunAgainWhenAResurrectedObjectIsFreed) {
  Object* a = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(a, 0, a);
  refcount::Decref(a);
  testing::SetResurrectingFinalizer(a, "a");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a ");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);  // still held by Resurrected(): not garbage
  refcount::InstanceSetSlot(a, 0, nullptr);
  testing::ReleaseResurrected();  // freed by refcounting: the finalizer must not run again
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Finalizers, NotRunAgainAfterSeveralCollections) {
  auto ring = MakeInstanceRing(2);
  testing::SetResurrectingFinalizer(ring[0], "a");
  testing::SetRecordingFinalizer(ring[1], "b");
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(2)), 0);
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(Collect(2)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a b ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Finalizers, AFinalizerThatBreaksItsCycle) {
  // a's finalizer empties its slot: b is freed by refcounting while the collector is
  // still finalizing, and a goes when the collector lets go of it. Nothing is left for
  // tp_clear, so nothing is counted.
  auto ring = MakeInstanceRing(2);
  testing::SetSlotClearingFinalizer(ring[0], "a");
  testing::SetRecordingFinalizer(ring[1], "b");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a b ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Finalizers, CollectFromAFinalizerReturnsZero) {
  Object* a = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(a, 0, a);
  refcount::Decref(a);
  testing::SetCollectingFinalizer(a, "a");
  refcount::Decref(testing::MakeRing(3));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 4);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a a=0 ");
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[2].collections), 1);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
