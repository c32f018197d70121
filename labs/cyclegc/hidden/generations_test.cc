// Hidden tests: the three generations -- survivors moving up, younger generations merged
// into the one collected, the counts after each collection, references from older objects
// into younger ones, and objects that outlive their own tp_clear.
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

using refcount::Ref;
using testing::CollectorTest;
using testing::Positions;

class Generations : public CollectorTest {};

std::string CountsText() {
  const auto counts = GetCount();
  return std::to_string(counts[0]) + " " + std::to_string(counts[1]) + " " +
         std::to_string(counts[2]);
}

TEST_F(Generations, SurvivorsMoveUpOneGeneration) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(1), {a.get(), b.get()})), "0 1");
  Ref c = Ref::Steal(refcount::ListNew(0));
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(1), {a.get(), b.get(), c.get()})), "0 1 2");
  EXPECT_TRUE(LABKIT_OBSERVE(GetObjects(0).empty()));
  Collect(1);
  EXPECT_TRUE(LABKIT_OBSERVE(GetObjects(1).empty()));
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {a.get(), b.get(), c.get()})), "0 1 2");
  Ref d = Ref::Steal(refcount::ListNew(0));
  Collect(2);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {a.get(), b.get(), c.get(), d.get()})),
            "0 1 2 3");
  EXPECT_TRUE(LABKIT_OBSERVE(testing::BackLinksConsistent(GenerationHead(2))));
}

TEST_F(Generations, YoungerGenerationsAreMergedInOrder) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Collect(1);  // a: generation 2
  Ref b = Ref::Steal(refcount::ListNew(0));
  Collect(0);  // b: generation 1
  Ref c = Ref::Steal(refcount::ListNew(0));
  Ref d = Ref::Steal(refcount::ListNew(0));
  Collect(1);  // generation 1 (b) then generation 0 (c, d), all moved to the end of 2
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {a.get(), b.get(), c.get(), d.get()})),
            "0 1 2 3");
  Ref e = Ref::Steal(refcount::ListNew(0));
  Collect(0);  // e: generation 1
  Collect(2);
  Ref f = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(
                Positions(GetObjects(-1), {a.get(), b.get(), c.get(), d.get(), e.get(), f.get()})),
            "5 0 1 2 3 4");
  Collect(2);
  EXPECT_EQ(LABKIT_OBSERVE(
                Positions(GetObjects(2), {a.get(), b.get(), c.get(), d.get(), e.get(), f.get()})),
            "0 1 2 3 4 5");
}

TEST_F(Generations, CountsAfterEachCollection) {
  Ref held = Ref::Steal(refcount::ListNew(0));
  for (int i = 0; i < 4; ++i) {
    refcount::ListAppend(held.get(), Ref::Steal(refcount::ListNew(0)).get());
  }
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "5 0 0");
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 1 0");
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 2 0");
  Ref x = Ref::Steal(refcount::ListNew(0));
  Ref y = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "2 2 0");
  Collect(1);
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 1");
  Collect(0);
  Collect(1);
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 2");
  Ref z = Ref::Steal(refcount::ListNew(0));
  Collect(2);
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 0");
}

TEST_F(Generations, OldObjectKeepsAYoungOneAlive) {
  Ref old = Ref::Steal(refcount::ListNew(0));
  Collect(1);  // old: generation 2
  Object* young = refcount::ListNew(0);
  refcount::ListAppend(old.get(), young);
  refcount::Decref(young);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(1), {young})), "0");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 2);
}

TEST_F(Generations, CycleAcrossGenerationsWaitsForTheOlderOne) {
  Object* a = refcount::InstanceNew(1);
  Collect(1);  // a: generation 2
  Object* b = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(a, 0, b);
  refcount::InstanceSetSlot(b, 0, a);
  refcount::Decref(a);
  refcount::Decref(b);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);  // a's reference comes from outside the set
  EXPECT_TRUE(LABKIT_OBSERVE(testing::BackLinksConsistent(GenerationHead(2))));  // a untouched
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {a, b})), "0 1");
  EXPECT_EQ(LABKIT_OBSERVE(Collect(2)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(Generations, GarbageInAnOlderGenerationWaits) {
  Object* ring = testing::MakeRing(5);
  Collect(0);  // the ring: generation 1
  refcount::Decref(ring);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 5);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 5);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

int ClearNothing(Object* /*op*/) { return 0; }

refcount::TypeObject* UnclearableType() {
  static refcount::TypeObject type = [] {
    refcount::TypeObject t = refcount::InstanceType;
    t.tp_name = "Unclearable";
    t.tp_clear = ClearNothing;
    return t;
  }();
  return &type;
}

TEST_F(Generations, ObjectsThatSurviveTheirClearMoveUp) {
  // tp_clear breaks nothing: the pair is found unreachable (and counted), but is still
  // alive after delete_garbage, so it joins the next generation.
  Object* a = refcount::InstanceNew(1, UnclearableType());
  Object* b = refcount::InstanceNew(1, UnclearableType());
  refcount::InstanceSetSlot(a, 0, b);
  refcount::InstanceSetSlot(b, 0, a);
  refcount::Decref(a);
  refcount::Decref(b);
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(1), {a, b})), "0 1");
  EXPECT_FALSE(LABKIT_OBSERVE(IsCollecting(refcount::AsGc(a))));
  EXPECT_FALSE(LABKIT_OBSERVE(IsCollecting(refcount::AsGc(b))));
  EXPECT_TRUE(LABKIT_OBSERVE(testing::BackLinksConsistent(GenerationHead(1))));
  Ref hold = Ref::Borrow(a);  // break it by hand
  refcount::InstanceClear(a);
  hold.reset();
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
