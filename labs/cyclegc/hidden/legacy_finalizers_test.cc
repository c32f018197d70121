// Hidden tests: legacy finalizers (tp_del). Unreachable objects whose type has one are
// uncollectable: they, and everything they reach, are kept; only they go to Garbage().
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

using refcount::AsGc;
using refcount::Ref;
using testing::CollectorTest;
using testing::FinalizerLog;
using testing::ListObjects;
using testing::Positions;

class LegacyFinalizers : public CollectorTest {};

// A legacy-finalizer instance with `slots` slots, slot 0 holding itself. BORROWED.
Object* MakeLegacySelfLoop(Py_ssize_t slots = 1) {
  Object* op = refcount::InstanceNew(slots, testing::LegacyInstanceType());
  refcount::InstanceSetSlot(op, 0, op);
  refcount::Decref(op);
  return op;
}

TEST_F(LegacyFinalizers, LegacyCycleIsUncollectable) {
  Object* legacy = MakeLegacySelfLoop();
  testing::SetRecordingFinalizer(legacy, "L");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(Garbage(), {legacy})), "0");
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(legacy)), 2);  // itself and gc.garbage
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collected), 0);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].uncollectable), 1);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "");  // neither tp_finalize nor tp_del ran
  EXPECT_FALSE(LABKIT_OBSERVE(IsFinalized(legacy)));
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {legacy})), "0");
  // gc.garbage's reference comes from outside: no longer garbage.
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Garbage().size()), 1u);
  // Released from gc.garbage but still a cycle: found again.
  ClearGarbage();
  EXPECT_EQ(LABKIT_OBSERVE(Collect(2)), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Garbage().size()), 1u);
  refcount::InstanceSetSlot(legacy, 0, nullptr);
  ClearGarbage();
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "L del ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(LegacyFinalizers, WhatTheyReachIsKeptButNotInGarbage) {
  // L holds itself and x; x <-> y.
  Object* legacy = MakeLegacySelfLoop(2);
  Object* x = refcount::InstanceNew(1);
  Object* y = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(x, 0, y);
  refcount::InstanceSetSlot(y, 0, x);
  refcount::InstanceSetSlot(legacy, 1, x);
  refcount::Decref(x);
  refcount::Decref(y);
  testing::SetRecordingFinalizer(x, "x");
  testing::SetRecordingFinalizer(y, "y");
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 3);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(Garbage(), {legacy, x, y})), "0");
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[0].collected), 0);
  EXPECT_EQ(LABKIT_OBSERVE(stats[0].uncollectable), 3);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 3);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(1).size()), 3u);
  EXPECT_FALSE(LABKIT_OBSERVE(IsFinalized(x) || IsFinalized(y)));
  // Break L's references: x and y become ordinary garbage.
  refcount::InstanceSetSlot(legacy, 0, nullptr);
  refcount::InstanceSetSlot(legacy, 1, nullptr);
  ClearGarbage();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "del x y ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(LegacyFinalizers, GarbageKeepsTheOrderFound) {
  Object* first = MakeLegacySelfLoop();
  refcount::Decref(testing::MakeRing(3));
  Object* second = MakeLegacySelfLoop();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 5);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(Garbage(), {first, second})), "0 1");
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collected), 3);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].uncollectable), 2);
  refcount::InstanceSetSlot(first, 0, nullptr);
  refcount::InstanceSetSlot(second, 0, nullptr);
  ClearGarbage();
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "del del ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(LegacyFinalizers, GarbageThatHoldsALegacyObject) {
  // A collectable ring holds L; L does not refer back.
  std::vector<Object*> ring;
  for (int i = 0; i < 3; ++i) {
    ring.push_back(refcount::InstanceNew(2));
  }
  for (int i = 0; i < 3; ++i) {
    refcount::InstanceSetSlot(ring[i], 0, ring[(i + 1) % 3]);
  }
  Object* legacy = MakeLegacySelfLoop();
  refcount::InstanceSetSlot(ring[2], 1, legacy);
  testing::SetRecordingFinalizer(ring[0], "r");
  for (Object* op : ring) {
    refcount::Decref(op);
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 4);
  const auto stats = GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].collected), 3);
  EXPECT_EQ(LABKIT_OBSERVE(stats[2].uncollectable), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(Garbage(), {legacy})), "0");
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(legacy)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "r ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 1);
  refcount::InstanceSetSlot(legacy, 0, nullptr);
  ClearGarbage();
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(LegacyFinalizers, MovedOutStepByStep) {
  // g (a self-loop list), L (legacy: holds itself and r), r (held only by L). All garbage.
  Object* g = testing::MakeSelfLoop();
  refcount::Decref(g);
  Object* legacy = MakeLegacySelfLoop(2);
  Object* r = refcount::InstanceNew(0);
  refcount::InstanceSetSlot(legacy, 1, r);
  refcount::Decref(r);
  const std::vector<Object*> named = {g, legacy, r};
  {
    testing::DetachedSet set;
    UpdateRefs(set.set());
    SubtractRefs(set.set());
    MoveUnreachable(set.set(), set.unreachable());
    ASSERT_EQ(Positions(ListObjects(set.unreachable()), named), "0 1 2");
    MoveLegacyFinalizers(set.unreachable(), set.extra());
    EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.unreachable()), named)), "0 2");
    EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.extra()), named)), "1");
    std::string flags;
    for (GcHead* list : {set.unreachable(), set.extra()}) {
      for (Object* op : ListObjects(list)) {
        flags += std::string(IsCollecting(AsGc(op)) ? "C" : "-") +
                 ((AsGc(op)->gc_next & kGcNextMaskUnreachable) != 0 ? "U " : "- ");
      }
      flags += "| ";
    }
    EXPECT_EQ(LABKIT_OBSERVE(flags), "C- C- | -- | ");
    EXPECT_TRUE(LABKIT_OBSERVE(testing::BackLinksConsistent(set.unreachable())));
    MoveLegacyFinalizerReachable(set.extra());
    EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.unreachable()), named)), "0");
    EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.extra()), named)), "1 2");
    EXPECT_FALSE(LABKIT_OBSERVE(IsCollecting(AsGc(r))));
    EXPECT_TRUE(LABKIT_OBSERVE(testing::BackLinksConsistent(set.extra())));
  }
  Ref hold = Ref::Borrow(legacy);  // its only other reference is its own slot 0
  refcount::InstanceSetSlot(legacy, 0, nullptr);
  refcount::InstanceSetSlot(legacy, 1, nullptr);
  hold.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 1);  // g
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
