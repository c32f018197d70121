// Public tests for the refcount lab: the basics. The hidden tests go much further
// (ownership rules, cascades, immortals, the trashcan on a small C stack, exact accounting,
// leaks and use-after-free under AddressSanitizer): passing these is the start, not the end.
#include <gtest/gtest.h>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

TEST(PublicRefcount, IncrefDecrefAndFree) {
  Counts start = Counts::Now();
  Object* a = IntFromLong(1000);  // a = 1000: a new object, one reference
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a)), 1);
  Incref(a);  // b = a
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 2);
  Decref(a);  // del a
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a)), 1);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1);
  Decref(a);  // del b: the count reaches 0 and the int is freed
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(PublicRefcount, GetRefCountCountsItsArgument) {
  Ref a = Ref::Steal(StrFromString("spam"));
  // sys.getrefcount(a) == 2: the name a, and the call's own argument.
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(a.get())), 2);
  Ref b = a;  // b = a
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(a.get())), 3);
}

TEST(PublicRefcount, NoneIsImmortal) {
  Counts start = Counts::Now();
  Incref(None());
  Incref(None());
  Decref(None());
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(None())), kImmortalRefcnt);
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(None())), 4294967295);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(PublicObjects, SmallIntsAreCached) {
  // x = 10; y = 10: one object. x = 1000; y = 1000: two objects.
  Ref x = Ref::Steal(IntFromLong(10));
  Ref y = Ref::Steal(IntFromLong(10));
  EXPECT_TRUE(LABKIT_OBSERVE(x.get() == y.get()));
  Ref big1 = Ref::Steal(IntFromLong(1000));
  Ref big2 = Ref::Steal(IntFromLong(1000));
  EXPECT_FALSE(LABKIT_OBSERVE(big1.get() == big2.get()));
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(big2.get())), 1000);
}

TEST(PublicObjects, Strings) {
  Counts start = Counts::Now();
  {
    Ref s = Ref::Steal(StrFromString("hello"));
    EXPECT_EQ(LABKIT_OBSERVE(StrView(s.get())), "hello");
    EXPECT_EQ(LABKIT_OBSERVE(Size(s.get())), 5);
    EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1);
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(PublicContainers, TupleStealsItsItems) {
  Counts start = Counts::Now();
  Object* t = TupleNew(2);
  Object* s = StrFromString("a");
  TupleSetItem(t, 0, s);  // steals: s's one reference now belongs to the tuple
  TupleSetItem(t, 1, IntFromLong(5000));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s)), 1);
  EXPECT_TRUE(LABKIT_OBSERVE(TupleGetItem(t, 0) == s));  // borrowed: no count change
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s)), 1);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 3);
  Decref(t);  // frees the tuple and, in cascade, both items
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(PublicContainers, ListAppendIncrefs) {
  Counts start = Counts::Now();
  Ref list = Ref::Steal(ListNew(0));
  Ref s = Ref::Steal(StrFromString("x"));
  ListAppend(list.get(), s.get());  // does not steal: the list takes its own reference
  ListAppend(list.get(), s.get());
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s.get())), 3);
  EXPECT_EQ(LABKIT_OBSERVE(Size(list.get())), 2);
  EXPECT_EQ(LABKIT_OBSERVE(AsList(list.get())->allocated), 4);
  list.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s.get())), 1);
  s.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(PublicContainers, NestedListsFreeInCascade) {
  Counts start = Counts::Now();
  Object* outer = ListNew(0);
  for (int i = 0; i < 10; ++i) {
    Object* inner = ListNew(0);
    ListAppend(inner, Ref::Steal(IntFromLong(10000 + i)).get());
    ListAppend(outer, inner);
    Decref(inner);  // the outer list keeps it alive
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 21);
  Decref(outer);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

}  // namespace
}  // namespace refcount
