// Hidden tests: gc.freeze, gc.unfreeze, gc.get_freeze_count -- the permanent generation.
#include <gtest/gtest.h>

#include <string>

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

class Freeze : public CollectorTest {};

std::string CountsText() {
  const auto counts = GetCount();
  return std::to_string(counts[0]) + " " + std::to_string(counts[1]) + " " +
         std::to_string(counts[2]);
}

TEST_F(Freeze, FrozenObjectsAreNeverCollected) {
  refcount::Decref(testing::MakeRing(3));
  Ref held = Ref::Steal(refcount::ListNew(0));
  cyclegc::Freeze();
  EXPECT_EQ(LABKIT_OBSERVE(GetFreezeCount()), 4);
  EXPECT_TRUE(LABKIT_OBSERVE(GetObjects(-1).empty()));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 4);
  Unfreeze();
  EXPECT_EQ(LABKIT_OBSERVE(GetFreezeCount()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(2).size()), 4u);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 1);
}

TEST_F(Freeze, FreezeZeroesEveryCount) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Collect(0);
  Collect(1);
  Ref b = Ref::Steal(refcount::ListNew(0));
  Collect(0);
  Ref c = Ref::Steal(refcount::ListNew(0));
  Ref d = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "2 1 1");
  cyclegc::Freeze();
  EXPECT_EQ(LABKIT_OBSERVE(CountsText()), "0 0 0");
  EXPECT_EQ(LABKIT_OBSERVE(GetFreezeCount()), 4);
}

TEST_F(Freeze, EveryGenerationGoesAndComesBackInOrder) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Collect(1);  // a: generation 2
  Ref b = Ref::Steal(refcount::ListNew(0));
  Collect(0);  // b: generation 1
  Ref c = Ref::Steal(refcount::ListNew(0));
  // Generation 0's list, then 1's, then 2's, appended to the permanent generation; Unfreeze
  // appends that to the end of generation 2 (gc.h; CPython 3.12.5's gc_freeze_impl and
  // gc_unfreeze_impl in Modules/gcmodule.c).
  cyclegc::Freeze();
  Ref e = Ref::Steal(refcount::ListNew(0));
  Collect(1);  // e: generation 2
  Unfreeze();
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(2), {a.get(), b.get(), c.get(), e.get()})),
            "3 2 1 0");
  EXPECT_TRUE(LABKIT_OBSERVE(testing::BackLinksConsistent(GenerationHead(2))));
}

TEST_F(Freeze, FreedFrozenObjectsLeaveThePermanentGeneration) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  Ref c = Ref::Steal(refcount::ListNew(0));
  cyclegc::Freeze();
  b.reset();
  EXPECT_EQ(LABKIT_OBSERVE(GetFreezeCount()), 2);
  Ref d = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(GetFreezeCount()), 2);
  Unfreeze();
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(-1), {a.get(), c.get(), d.get()})), "2 0 1");
}

}  // namespace
}  // namespace cyclegc
