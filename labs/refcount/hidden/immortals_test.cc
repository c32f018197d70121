// Hidden tests: immortal objects (PEP 683, CPython 3.12). None, True, False, the small ints
// and the empty tuple keep the count kImmortalRefcnt whatever happens, are never freed and
// never counted in TotalRefs().
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

std::vector<Object*> Immortals() {
  return {None(), True(), False(), SmallInt(-5), SmallInt(0), SmallInt(256), EmptyTuple()};
}

TEST(Immortals, IncrefDecrefNeverChangeTheCount) {
  Counts start = Counts::Now();
  for (Object* op : Immortals()) {
    for (int i = 0; i < 1000; ++i) {
      Incref(op);
    }
    for (int i = 0; i < 3000; ++i) {  // more Decrefs than Increfs: still alive
      Decref(op);
    }
    EXPECT_EQ(LABKIT_OBSERVE(Refcnt(op)), kImmortalRefcnt);
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Immortals, GetRefCountOfImmortals) {
  for (Object* op : Immortals()) {
    EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(op)), INT64_C(4294967295));
  }
}

TEST(Immortals, StoringImmortalsInContainers) {
  Counts start = Counts::Now();
  {
    Ref l = Ref::Steal(ListNew(0));
    Ref t = Ref::Steal(TupleNew(3));
    for (int i = 0; i < 100; ++i) {
      ListAppend(l.get(), None());
      ListAppend(l.get(), True());
    }
    TupleSetItem(t.get(), 0, NewRef(None()));
    TupleSetItem(t.get(), 1, IntFromLong(7));
    TupleSetItem(t.get(), 2, BoolFromLong(0));
    Ref inst = Ref::Steal(InstanceNew(1));
    InstanceSetSlot(inst.get(), 0, None());
    // Only the three containers are counted: the immortals inside add nothing.
    EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 3);
    EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 3);
  }
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(None())), kImmortalRefcnt);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(True())), kImmortalRefcnt);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(SmallInt(7))), kImmortalRefcnt);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(Immortals, SmallIntsAreNotAllocated) {
  Counts start = Counts::Now();
  std::int64_t before = ObjectsAllocated();
  for (std::int64_t v = -5; v <= 256; ++v) {
    Object* op = IntFromLong(v);
    EXPECT_EQ(IntAsLong(op), v);
    EXPECT_TRUE(IsImmortal(op));
    Decref(op);
  }
  EXPECT_EQ(LABKIT_OBSERVE(ObjectsAllocated() - before), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Immortals, EmptyTupleIsTheImmortalSingleton) {
  Counts start = Counts::Now();
  std::int64_t before = ObjectsAllocated();
  Object* a = TupleNew(0);
  Object* b = TupleNew(0);
  EXPECT_TRUE(LABKIT_OBSERVE(a == EmptyTuple()));
  EXPECT_TRUE(LABKIT_OBSERVE(b == EmptyTuple()));
  EXPECT_EQ(LABKIT_OBSERVE(Size(a)), 0);
  Decref(a);
  Decref(b);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(EmptyTuple())), kImmortalRefcnt);
  EXPECT_EQ(LABKIT_OBSERVE(ObjectsAllocated() - before), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Immortals, MortalObjectsAreNotImmortal) {
  Counts start = Counts::Now();
  Ref big = Ref::Steal(IntFromLong(257));
  Ref neg = Ref::Steal(IntFromLong(-6));
  Ref one = Ref::Steal(TupleNew(1));
  EXPECT_FALSE(LABKIT_OBSERVE(IsImmortal(big.get())));
  EXPECT_FALSE(LABKIT_OBSERVE(IsImmortal(neg.get())));
  EXPECT_FALSE(LABKIT_OBSERVE(IsImmortal(one.get())));
  EXPECT_EQ(LABKIT_OBSERVE(GetRefCount(big.get())), 2);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 3);
}

}  // namespace
}  // namespace refcount
