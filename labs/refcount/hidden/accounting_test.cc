// Hidden tests: accounting like a debug build of CPython. TotalRefs() (sys.gettotalrefcount
// over mortal objects), LiveObjects(), TrackedObjects() and GetRefCount (sys.getrefcount)
// are checked exactly after sequences of operations.
#include <gtest/gtest.h>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

TEST(Accounting, ExactTotalsThroughASequence) {
  Counts start = Counts::Now();
  Object* l = ListNew(0);             // l = []
  Object* s = StrFromString("spam");  // s = "spam"
  ListAppend(l, s);                   // l.append(s)
  ListAppend(l, s);                   // l.append(s)
  ListAppend(l, s);                   // l.append(s)
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 5);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 2);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().tracked), 1);
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(s)), 5);
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(l)), 2);
  Object* t = TupleNew(3);  // t = (l, s, 5000)
  TupleSetItem(t, 0, NewRef(l));
  TupleSetItem(t, 1, NewRef(s));
  TupleSetItem(t, 2, IntFromLong(5000));
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 9);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 4);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().tracked), 2);
  Decref(l);  // del l
  Decref(s);  // del s
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 7);
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(s)), 5);  // the list's 3 and the tuple's 1, + 1
  Decref(t);                                     // del t: everything goes
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().tracked), 0);
}

TEST(Accounting, AssignmentAndDel) {
  // a = [] ; b = a ; c = a ; del a ; del b ; del c
  Counts start = Counts::Now();
  Object* a = ListNew(0);
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(a)), 2);
  Object* b = NewRef(a);
  Object* c = NewRef(a);
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(a)), 4);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 3);
  Decref(a);
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(b)), 3);
  Decref(b);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1);
  Decref(c);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Accounting, AllocatedAndFreedCounters) {
  std::int64_t allocated = ObjectsAllocated();
  std::int64_t freed = ObjectsFreed();
  {
    Ref l = Ref::Steal(ListNew(0));
    for (int i = 0; i < 50; ++i) {
      ListAppend(l.get(), Ref::Steal(IntFromLong(i * 10)).get());  // 0..250 are cached
    }
    EXPECT_EQ(LABKIT_OBSERVE(ObjectsAllocated() - allocated), 25);  // the list + 24 ints
    EXPECT_EQ(LABKIT_OBSERVE(ObjectsFreed() - freed), 0);
  }
  EXPECT_EQ(LABKIT_OBSERVE(ObjectsFreed() - freed), 25);
}

TEST(Accounting, GetRefCountOfItems) {
  Counts start = Counts::Now();
  Ref t = Ref::Steal(TupleNew(2));
  TupleSetItem(t.get(), 0, StrFromString("only in the tuple"));
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(TupleGetItem(t.get(), 0))), 2);
  Ref l = Ref::Steal(ListNew(0));
  for (int i = 0; i < 7; ++i) {
    ListAppend(l.get(), t.get());
  }
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(t.get())), 9);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 10);
}

TEST(Accounting, ChurnLeavesNoTrace) {
  Counts start = Counts::Now();
  for (int round = 0; round < 200; ++round) {
    Ref l = Ref::Steal(ListNew(0));
    for (int i = 0; i < 20; ++i) {
      Ref t = Ref::Steal(TupleNew(2));
      TupleSetItem(t.get(), 0, IntFromLong(round * 100 + i));
      TupleSetItem(t.get(), 1, StrFromString("churn"));
      ListAppend(l.get(), t.get());
    }
    Ref copy = Ref::Borrow(ListGetItem(l.get(), 5));
    ListSetItem(l.get(), 5, NewRef(None()));
    EXPECT_EQ(Refcnt(copy.get()), 1);
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().tracked), 0);
}

}  // namespace
}  // namespace refcount
