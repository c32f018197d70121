// Hidden tests: lists -- growth exactly as CPython 3.12's list_resize, index checks, and
// ListNew's preallocated slots.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

TEST(Lists, GrowthPattern) {
  // The allocation after each append, from an empty list: 3.12 over-allocates by about 1/8
  // plus 6, rounded down to a multiple of 4.
  Ref l = Ref::Steal(ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(AsList(l.get())->allocated), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(AsList(l.get())->ob_item == nullptr));
  std::string changes;
  Py_ssize_t last = 0;
  for (int i = 0; i < 200; ++i) {
    ListAppend(l.get(), None());
    Py_ssize_t now = AsList(l.get())->allocated;
    if (now != last) {
      changes += std::to_string(now) + " ";
      last = now;
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(changes), "4 8 16 24 32 40 52 64 76 92 108 128 148 172 200 ");
  EXPECT_EQ(LABKIT_OBSERVE(Size(l.get())), 200);
}

TEST(Lists, ListNewPreallocates) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(5));
  EXPECT_EQ(LABKIT_OBSERVE(Size(l.get())), 5);
  EXPECT_EQ(LABKIT_OBSERVE(AsList(l.get())->allocated), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(ListGetItem(l.get(), i) == nullptr);
  }
  ListAppend(l.get(), True());  // newsize 6: (6 + 0 + 6) & ~3 = 12
  EXPECT_EQ(LABKIT_OBSERVE(AsList(l.get())->allocated), 12);
  EXPECT_TRUE(LABKIT_OBSERVE(ListGetItem(l.get(), 5) == True()));
  EXPECT_TRUE(LABKIT_OBSERVE(ListGetItem(l.get(), 0) == nullptr));
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1);
}

TEST(Lists, IndexErrors) {
  Ref l = Ref::Steal(ListNew(0));
  EXPECT_THROW(ListGetItem(l.get(), 0), std::out_of_range);
  ListAppend(l.get(), None());
  EXPECT_THROW(ListGetItem(l.get(), 1), std::out_of_range);
  EXPECT_THROW(ListGetItem(l.get(), -1), std::out_of_range);
  EXPECT_THROW(ListGetItemRef(l.get(), 1), std::out_of_range);
  Ref t = Ref::Steal(TupleNew(2));
  EXPECT_THROW(TupleGetItem(t.get(), 2), std::out_of_range);
  EXPECT_THROW(TupleGetItem(t.get(), -1), std::out_of_range);
  EXPECT_THROW(TupleNew(-1), std::invalid_argument);
  EXPECT_THROW(ListNew(-1), std::invalid_argument);
  EXPECT_THROW(InstanceNew(-1), std::invalid_argument);
  EXPECT_TRUE(LABKIT_OBSERVE(ListGetItem(l.get(), 0) == None()));
}

TEST(Lists, ItemsKeepTheirOrder) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(0));
  for (int i = 0; i < 1000; ++i) {
    ListAppend(l.get(), Ref::Steal(IntFromLong(i * 7)).get());
  }
  long long sum = 0;
  bool ordered = true;
  for (int i = 0; i < 1000; ++i) {
    std::int64_t v = IntAsLong(ListGetItem(l.get(), i));
    ordered = ordered && v == i * 7;
    sum += v;
  }
  EXPECT_TRUE(LABKIT_OBSERVE(ordered));
  EXPECT_EQ(LABKIT_OBSERVE(sum), 3496500);
  EXPECT_EQ(LABKIT_OBSERVE(AsList(l.get())->allocated), 1100);
  l.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(Lists, StringsKeepTheirBytes) {
  Counts start = Counts::Now();
  std::string with_nul("a\0b", 3);
  Ref s = Ref::Steal(StrFromString(with_nul));
  EXPECT_EQ(LABKIT_OBSERVE(Size(s.get())), 3);
  EXPECT_TRUE(LABKIT_OBSERVE(StrView(s.get()) == with_nul));
  EXPECT_EQ(LABKIT_OBSERVE(AsStr(s.get())->data()[3]), '\0');
  Ref empty = Ref::Steal(StrFromString(""));
  EXPECT_EQ(LABKIT_OBSERVE(Size(empty.get())), 0);
  EXPECT_EQ(LABKIT_OBSERVE(AsStr(empty.get())->data()[0]), '\0');
  std::string big(100000, 'x');
  Ref b = Ref::Steal(StrFromString(big));
  EXPECT_EQ(LABKIT_OBSERVE(StrView(b.get()).size()), 100000u);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 3);
}

}  // namespace
}  // namespace refcount
