// Hidden tests: the first three steps of a collection, one at a time, on a set of objects
// taken out of generation 0 (testing::DetachedSet): the exact gc_refs UpdateRefs and
// SubtractRefs leave, and the lists and flags MoveUnreachable leaves.
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
using testing::BackLinksConsistent;
using testing::CollectorTest;
using testing::DetachedSet;
using testing::ListObjects;
using testing::Positions;

class Phases : public CollectorTest {};

Py_ssize_t Refs(Object* op) { return GetRefs(AsGc(op)); }
bool Collecting(Object* op) { return IsCollecting(AsGc(op)); }
bool Finalized(Object* op) { return cyclegc::IsFinalized(AsGc(op)); }
bool MarkedUnreachable(Object* op) { return (AsGc(op)->gc_next & kGcNextMaskUnreachable) != 0; }

TEST_F(Phases, UpdateRefsCopiesEachRefcount) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::InstanceNew(1));
  Ref c = Ref::Steal(refcount::TupleNew(1));
  refcount::ListAppend(a.get(), b.get());
  refcount::ListAppend(a.get(), b.get());
  refcount::TupleSetItem(c.get(), 0, refcount::NewRef(a.get()));
  refcount::GcSetFinalized(b.get());
  DetachedSet set;
  UpdateRefs(set.set());
  EXPECT_EQ(LABKIT_OBSERVE(Refs(a.get())), 2);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(b.get())), 3);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(c.get())), 1);
  EXPECT_TRUE(LABKIT_OBSERVE(Collecting(a.get())));
  EXPECT_TRUE(LABKIT_OBSERVE(Collecting(b.get())));
  EXPECT_TRUE(LABKIT_OBSERVE(Collecting(c.get())));
  EXPECT_FALSE(LABKIT_OBSERVE(Finalized(a.get())));
  EXPECT_TRUE(LABKIT_OBSERVE(Finalized(b.get())));
  EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.set()), {a.get(), b.get(), c.get()})),
            "0 1 2");
}

TEST_F(Phases, UpdateRefsStartsAgainFromTheRefcount) {
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  refcount::ListAppend(a.get(), b.get());
  refcount::ListAppend(b.get(), a.get());
  DetachedSet set;
  UpdateRefs(set.set());
  SubtractRefs(set.set());
  EXPECT_EQ(LABKIT_OBSERVE(Refs(a.get())), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(b.get())), 1);
  Ref extra = a;  // NOLINT(performance-unnecessary-copy-initialization): one more reference
  UpdateRefs(set.set());
  EXPECT_EQ(LABKIT_OBSERVE(Refs(a.get())), 3);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(b.get())), 2);
  SubtractRefs(set.set());
  EXPECT_EQ(LABKIT_OBSERVE(Refs(a.get())), 2);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(b.get())), 1);
}

TEST_F(Phases, SubtractRefsCountsOnlyReferencesFromInsideTheSet) {
  // `outside` is tracked but not in the set (moved to generation 1 by hand); `atomic` is an
  // untracked tuple; `number` is not a container at all.
  Ref outside = Ref::Steal(refcount::ListNew(0));
  ListMove(AsGc(outside.get()), GenerationHead(1));
  Ref atomic = Ref::Steal(refcount::TupleNew(1));
  refcount::TupleSetItem(atomic.get(), 0, refcount::IntFromLong(5000));
  refcount::GcUntrack(atomic.get());
  Ref number = Ref::Steal(refcount::IntFromLong(7000));

  Ref a = Ref::Steal(refcount::ListNew(0));
  Object* b = refcount::InstanceNew(2);
  refcount::ListAppend(a.get(), a.get());
  refcount::ListAppend(a.get(), b);
  refcount::ListAppend(a.get(), outside.get());
  refcount::ListAppend(a.get(), atomic.get());
  refcount::ListAppend(a.get(), number.get());
  refcount::InstanceSetSlot(b, 0, a.get());
  refcount::InstanceSetSlot(b, 1, b);
  refcount::ListAppend(outside.get(), a.get());
  refcount::Decref(b);  // b: held by a and by itself

  const GcHead outside_before = *AsGc(outside.get());
  const GcHead atomic_before = *AsGc(atomic.get());
  DetachedSet set;
  UpdateRefs(set.set());
  EXPECT_EQ(LABKIT_OBSERVE(Refs(a.get())), 4);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(b)), 2);
  SubtractRefs(set.set());
  // a: the test's reference and outside's are left; b: nothing from outside.
  EXPECT_EQ(LABKIT_OBSERVE(Refs(a.get())), 2);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(b)), 0);
  EXPECT_TRUE(AsGc(outside.get())->gc_prev == outside_before.gc_prev &&
              AsGc(outside.get())->gc_next == outside_before.gc_next);
  EXPECT_TRUE(AsGc(atomic.get())->gc_prev == atomic_before.gc_prev &&
              AsGc(atomic.get())->gc_next == atomic_before.gc_next);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(outside.get())), 2);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(a.get())), 4);
}

TEST_F(Phases, SubtractRefsBelowZeroIsFatal) {
  Object* x = refcount::InstanceNew(0);
  Ref list = Ref::Steal(refcount::ListNew(0));
  refcount::ListAppend(list.get(), x);
  refcount::ListAppend(list.get(), x);
  refcount::Decref(x);
  x->ob_refcnt = 1;  // a reference the list owns but the count does not show
  std::string function;
  {
    DetachedSet set;
    UpdateRefs(set.set());
    try {
      SubtractRefs(set.set());
    } catch (const refcount::FatalErrorException& error) {
      function = error.function();
    }
  }
  x->ob_refcnt = 2;
  EXPECT_EQ(LABKIT_OBSERVE(function), "gc_decref");
}

TEST_F(Phases, MoveUnreachableSplitsTheSetInScanOrder) {
  // Allocation order: x (a self-loop, garbage), b (reached only from a), a (held by the
  // test), y <-> z (garbage), w (reached only from b).
  Object* x = testing::MakeSelfLoop();
  Object* b = refcount::InstanceNew(1);
  Ref a = Ref::Steal(refcount::InstanceNew(1));
  Object* y = refcount::InstanceNew(1);
  Object* z = refcount::InstanceNew(1);
  Object* w = refcount::ListNew(0);
  refcount::InstanceSetSlot(a.get(), 0, b);
  refcount::InstanceSetSlot(b, 0, w);
  refcount::InstanceSetSlot(y, 0, z);
  refcount::InstanceSetSlot(z, 0, y);
  refcount::GcSetFinalized(b);
  refcount::GcSetFinalized(y);
  for (Object* op : {x, b, y, z, w}) {
    refcount::Decref(op);
  }
  const std::vector<Object*> named = {x, b, a.get(), y, z, w};

  DetachedSet set;
  UpdateRefs(set.set());
  SubtractRefs(set.set());
  MoveUnreachable(set.set(), set.unreachable());
  EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.set()), named)), "2 1 5");
  EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.unreachable()), named)), "0 3 4");
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(set.set())));
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(set.unreachable())));
  std::string reachable_flags;
  for (Object* op : ListObjects(set.set())) {
    reachable_flags += std::string(Collecting(op) ? "C" : "-") +
                       (MarkedUnreachable(op) ? "U" : "-") + (Finalized(op) ? "F " : "- ");
  }
  EXPECT_EQ(LABKIT_OBSERVE(reachable_flags), "--- --F --- ");
  std::string unreachable_flags;
  for (Object* op : ListObjects(set.unreachable())) {
    unreachable_flags += std::string(Collecting(op) ? "C" : "-") +
                         (MarkedUnreachable(op) ? "U" : "-") + (Finalized(op) ? "F " : "- ");
  }
  EXPECT_EQ(LABKIT_OBSERVE(unreachable_flags), "CU- CUF CU- ");
  EXPECT_EQ(LABKIT_OBSERVE(set.unreachable()->gc_next & kGcNextMaskUnreachable), 0u);
}

TEST_F(Phases, EverythingReachableComesBack) {
  // Every node of a backward ring comes before the node that refers to it, so all but the
  // entry are first found with gc_refs == 0 and must be moved back one by one.
  Ref entry = Ref::Steal(testing::MakeBackwardRing(1000));
  refcount::Decref(testing::MakeRing(500));
  DetachedSet set;
  UpdateRefs(set.set());
  SubtractRefs(set.set());
  MoveUnreachable(set.set(), set.unreachable());
  const std::vector<Object*> reachable = ListObjects(set.set());
  const std::vector<Object*> unreachable = ListObjects(set.unreachable());
  EXPECT_EQ(LABKIT_OBSERVE(reachable.size()), 1000u);
  EXPECT_EQ(LABKIT_OBSERVE(unreachable.size()), 500u);
  int reachable_rings = 0;
  for (Object* op : reachable) {
    reachable_rings += refcount::Size(op) == 1 && !Collecting(op) && !MarkedUnreachable(op);
  }
  int unreachable_marked = 0;
  for (Object* op : unreachable) {
    unreachable_marked += Collecting(op) && MarkedUnreachable(op);
  }
  EXPECT_EQ(LABKIT_OBSERVE(reachable_rings), 1000);
  EXPECT_EQ(LABKIT_OBSERVE(unreachable_marked), 500);
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(set.set())));
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(set.unreachable())));
  // The entry was reachable from the start, so it is the first object kept.
  ASSERT_FALSE(reachable.empty());
  EXPECT_TRUE(LABKIT_OBSERVE(reachable.front() == entry.get()));
}

TEST_F(Phases, ReferencesFromOutsideTheSetAreRoots) {
  // outside (not in the set) holds c; c <-> d; nobody else holds them.
  Ref outside = Ref::Steal(refcount::ListNew(0));
  ListMove(AsGc(outside.get()), GenerationHead(1));
  Object* c = refcount::InstanceNew(1);
  Object* d = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(c, 0, d);
  refcount::InstanceSetSlot(d, 0, c);
  refcount::ListAppend(outside.get(), c);
  refcount::Decref(c);
  refcount::Decref(d);
  DetachedSet set;
  UpdateRefs(set.set());
  SubtractRefs(set.set());
  EXPECT_EQ(LABKIT_OBSERVE(Refs(c)), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Refs(d)), 0);
  MoveUnreachable(set.set(), set.unreachable());
  EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.set()), {c, d})), "0 1");
  EXPECT_TRUE(LABKIT_OBSERVE(ListIsEmpty(set.unreachable())));
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(set.set())));
  EXPECT_EQ(LABKIT_OBSERVE(Positions(GetObjects(1), {outside.get()})), "0");
}

TEST_F(Phases, AllGarbage) {
  Object* a = refcount::InstanceNew(1);
  Object* b = refcount::ListNew(0);
  Object* c = refcount::TupleNew(1);
  refcount::InstanceSetSlot(a, 0, c);
  refcount::TupleSetItem(c, 0, refcount::NewRef(b));
  refcount::ListAppend(b, a);
  refcount::Decref(a);
  refcount::Decref(b);
  refcount::Decref(c);
  DetachedSet set;
  UpdateRefs(set.set());
  SubtractRefs(set.set());
  EXPECT_EQ(LABKIT_OBSERVE(Refs(a) + Refs(b) + Refs(c)), 0);
  MoveUnreachable(set.set(), set.unreachable());
  EXPECT_TRUE(LABKIT_OBSERVE(ListIsEmpty(set.set())));
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(set.set())));
  EXPECT_EQ(LABKIT_OBSERVE(Positions(ListObjects(set.unreachable()), {a, b, c})), "0 1 2");
  EXPECT_TRUE(LABKIT_OBSERVE(BackLinksConsistent(set.unreachable())));
}

}  // namespace
}  // namespace cyclegc
