// Hidden tests: untrack_tuples -- a tuple that can never be part of a cycle leaves the
// collector's lists when a collection sees it survive.
#include <gtest/gtest.h>

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

class Tuples : public CollectorTest {};

TEST_F(Tuples, AtomicTupleIsUntrackedByACollection) {
  Ref tuple = Ref::Steal(refcount::TupleNew(3));
  refcount::TupleSetItem(tuple.get(), 0, refcount::IntFromLong(5000));
  refcount::TupleSetItem(tuple.get(), 1, refcount::StrFromString("text"));
  refcount::TupleSetItem(tuple.get(), 2, refcount::NewRef(refcount::None()));
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(tuple.get())));
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(tuple.get())));
  EXPECT_TRUE(LABKIT_OBSERVE(GetObjects(-1).empty()));
}

TEST_F(Tuples, TupleHoldingAContainerStaysTracked) {
  Ref list = Ref::Steal(refcount::ListNew(0));
  Ref untracked_list = Ref::Steal(refcount::ListNew(0));
  refcount::GcUntrack(untracked_list.get());  // still a list: it could be tracked again
  Ref with_list = Ref::Steal(refcount::TupleNew(2));
  refcount::TupleSetItem(with_list.get(), 0, refcount::IntFromLong(5000));
  refcount::TupleSetItem(with_list.get(), 1, refcount::NewRef(list.get()));
  Ref with_untracked = Ref::Steal(refcount::TupleNew(1));
  refcount::TupleSetItem(with_untracked.get(), 0, refcount::NewRef(untracked_list.get()));
  Collect(0);
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(with_list.get())));
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(with_untracked.get())));
  EXPECT_EQ(LABKIT_OBSERVE(testing::Positions(GetObjects(1),
                                              {list.get(), with_list.get(), with_untracked.get()})),
            "0 1 2");
}

TEST_F(Tuples, TupleBeingBuiltStaysTracked) {
  Ref tuple = Ref::Steal(refcount::TupleNew(2));
  refcount::TupleSetItem(tuple.get(), 0, refcount::IntFromLong(5000));
  Collect(0);
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(tuple.get())));  // item 1 is still null
  refcount::TupleSetItem(tuple.get(), 1, refcount::IntFromLong(6000));
  Collect(1);
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(tuple.get())));
}

// UntrackTuples is one pass over young, front to back, judging each tuple when it gets there
// (internal.h; handout section 7; CPython 3.12.5's untrack_tuples in Modules/gcmodule.c and
// _PyTuple_MaybeUntrack in Objects/tupleobject.c: "It may take more than one cycle to untrack
// a tuple", Include/internal/pycore_gc.h). The next two tests pin that on both orders.
TEST_F(Tuples, NestedTuplesInnerFirst) {
  // Inner allocated first and held by the test too, so it stays ahead of outer in the list:
  // the scan untracks it, then sees a tuple of untracked tuples and untracks that too -- in
  // the same collection.
  Ref inner = Ref::Steal(refcount::TupleNew(1));
  refcount::TupleSetItem(inner.get(), 0, refcount::IntFromLong(5000));
  Ref outer = Ref::Steal(refcount::TupleNew(1));
  refcount::TupleSetItem(outer.get(), 0, refcount::NewRef(inner.get()));
  Collect(0);
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(inner.get())));
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(outer.get())));
}

TEST_F(Tuples, NestedTuplesOuterFirst) {
  // Outer allocated first: when the scan sees it, inner is still tracked, so outer stays
  // until the next collection that looks at it. (CPython 3.11 and 3.12 do the same:
  // `outer = (tuple([1, "a"]),); gc.collect(0)` leaves outer tracked, outer[0] not.)
  Ref outer = Ref::Steal(refcount::TupleNew(1));
  Object* inner = refcount::TupleNew(1);
  refcount::TupleSetItem(inner, 0, refcount::IntFromLong(5000));
  refcount::TupleSetItem(outer.get(), 0, inner);
  Collect(0);
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(inner)));
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(outer.get())));
  Collect(0);  // outer is in generation 1 now: not looked at
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(outer.get())));
  Collect(1);
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(outer.get())));
}

TEST_F(Tuples, OnlyTheCollectedGenerationsAreScanned) {
  Ref tuple = Ref::Steal(refcount::TupleNew(1));
  refcount::TupleSetItem(tuple.get(), 0, refcount::ListNew(0));
  Collect(1);  // generation 2 now, still holding a list
  refcount::TupleSetItem(tuple.get(), 0, refcount::IntFromLong(5000));  // frees the list
  Collect(0);
  Collect(1);
  EXPECT_TRUE(LABKIT_OBSERVE(IsTracked(tuple.get())));
  Collect(2);
  EXPECT_FALSE(LABKIT_OBSERVE(IsTracked(tuple.get())));
}

TEST_F(Tuples, ManyAtomicTuples) {
  Ref holder = Ref::Steal(refcount::ListNew(0));
  for (int i = 0; i < 1000; ++i) {
    Object* tuple = refcount::TupleNew(2);
    refcount::TupleSetItem(tuple, 0, refcount::IntFromLong(i));
    refcount::TupleSetItem(tuple, 1, refcount::IntFromLong(100000 + i));
    refcount::ListAppend(holder.get(), tuple);
    refcount::Decref(tuple);
  }
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(0).size()), 1001u);
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE(GetObjects(-1).size()), 1u);
  EXPECT_TRUE(LABKIT_OBSERVE(testing::BackLinksConsistent(GenerationHead(1))));
}

}  // namespace
}  // namespace cyclegc
