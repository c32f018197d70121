// Hidden tests: identity. Names are references to objects; equal small ints are one object
// (the small-int cache, -5..256), others are not; `x += 1` rebinds x to another object.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

bool SameObject(std::int64_t v) {
  Ref a = Ref::Steal(IntFromLong(v));
  Ref b = Ref::Steal(IntFromLong(v));
  return a.get() == b.get();
}

TEST(Identity, CacheBoundaries) {
  EXPECT_TRUE(LABKIT_OBSERVE(SameObject(-5)));
  EXPECT_TRUE(LABKIT_OBSERVE(SameObject(0)));
  EXPECT_TRUE(LABKIT_OBSERVE(SameObject(256)));
  EXPECT_FALSE(LABKIT_OBSERVE(SameObject(-6)));
  EXPECT_FALSE(LABKIT_OBSERVE(SameObject(257)));
  EXPECT_FALSE(LABKIT_OBSERVE(SameObject(INT64_C(1) << 40)));
  EXPECT_FALSE(LABKIT_OBSERVE(SameObject(INT64_MIN)));
}

TEST(Identity, CachedIntIsTheSmallIntObject) {
  for (std::int64_t v : {-5, -1, 0, 1, 100, 255, 256}) {
    Ref a = Ref::Steal(IntFromLong(v));
    EXPECT_TRUE(LABKIT_OBSERVE(a.get() == SmallInt(v)));
  }
}

TEST(Identity, AssignmentSharesAugmentedAssignmentRebinds) {
  Counts start = Counts::Now();
  // x = 10; y = x  ->  id(x) == id(y)
  Ref x = Ref::Steal(IntFromLong(10));
  Ref y = x;
  EXPECT_TRUE(LABKIT_OBSERVE(x.get() == y.get()));
  // x += 1  ->  x names 11, a different object; y still names 10
  Ref one = Ref::Steal(IntFromLong(1));
  x = Ref::Steal(IntAdd(x.get(), one.get()));
  EXPECT_FALSE(LABKIT_OBSERVE(x.get() == y.get()));
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(x.get())), 11);
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(y.get())), 10);
  EXPECT_TRUE(LABKIT_OBSERVE(x.get() == SmallInt(11)));
  // The same with big ints: b = a shares, a += 1 makes a new object.
  Ref a = Ref::Steal(IntFromLong(1000));
  Ref b = a;
  EXPECT_TRUE(LABKIT_OBSERVE(a.get() == b.get()));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 2);
  a = Ref::Steal(IntAdd(a.get(), one.get()));
  EXPECT_FALSE(LABKIT_OBSERVE(a.get() == b.get()));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(b.get())), 1);
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(a.get())), 1001);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 2);  // 1000 and 1001
}

TEST(Identity, EqualBigIntsAreDistinctObjects) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(0));
  for (int i = 0; i < 10; ++i) {
    ListAppend(l.get(), Ref::Steal(IntFromLong(300)).get());
  }
  for (int i = 1; i < 10; ++i) {
    EXPECT_NE(ListGetItem(l.get(), i), ListGetItem(l.get(), 0));
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 11);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(ListGetItem(l.get(), 3))), 1);
}

TEST(Identity, BoolsAndNone) {
  Ref t = Ref::Steal(BoolFromLong(5));
  Ref f = Ref::Steal(BoolFromLong(0));
  EXPECT_TRUE(LABKIT_OBSERVE(t.get() == True()));
  EXPECT_TRUE(LABKIT_OBSERVE(f.get() == False()));
  EXPECT_FALSE(LABKIT_OBSERVE(True() == SmallInt(1)));  // True is not the int 1
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(t.get())), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(t.get())), kImmortalRefcnt);
}

TEST(Identity, IntValuesRoundTrip) {
  Counts start = Counts::Now();
  for (std::int64_t v : {INT64_MIN, INT64_C(-1000000), INT64_C(-6), INT64_C(257),
                         INT64_C(123456789012), INT64_MAX}) {
    Ref a = Ref::Steal(IntFromLong(v));
    EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(a.get())), v);
    EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 1);
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

}  // namespace
}  // namespace refcount
