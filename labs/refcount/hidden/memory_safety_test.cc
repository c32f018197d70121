// Hidden tests: no leaks and no use-after-free. These run under AddressSanitizer and
// LeakSanitizer: a leak or a use-after-free anywhere in a test makes it fail, whatever its
// assertions say.
#include <gtest/gtest.h>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

// When the replaced item goes, its finalizer reads the list slot it was in.
struct SlotReader {
  Object* list;
  Py_ssize_t index;
  std::int64_t seen = 0;
};

void ReadSlot(Object*, void* arg) {
  auto* r = static_cast<SlotReader*>(arg);
  Object* now = ListGetItem(r->list, r->index);
  r->seen = IsInt(now) ? IntAsLong(now) : -1;
}

TEST(MemorySafety, ListSetItemStoresBeforeReleasing) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(1));
  SlotReader reader{l.get(), 0};
  Object* old = InstanceNew(0);
  InstanceSetFinalizer(old, ReadSlot, &reader);
  ListSetItem(l.get(), 0, old);
  ListSetItem(l.get(), 0, IntFromLong(31337));  // old goes; its finalizer sees the new item
  EXPECT_EQ(LABKIT_OBSERVE(reader.seen), 31337);
  l.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(MemorySafety, ReplacingItemsRepeatedly) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(4));
  Ref t = Ref::Steal(TupleNew(4));
  for (int round = 0; round < 500; ++round) {
    for (int i = 0; i < 4; ++i) {
      ListSetItem(l.get(), i, StrFromString("list item"));
      TupleSetItem(t.get(), i, IntFromLong(100000 + round));
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(TupleGetItem(t.get(), 3))), 100499);
  EXPECT_EQ(LABKIT_OBSERVE(StrView(ListGetItem(l.get(), 2))), "list item");
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 10);
}

TEST(MemorySafety, BorrowedReferencesStayValidWhileOwned) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(0));
  for (int i = 0; i < 100; ++i) {
    ListAppend(l.get(), Ref::Steal(StrFromString(std::string(i + 1, 'z'))).get());
  }
  std::size_t total = 0;
  for (int i = 0; i < 100; ++i) {
    Ref item = Ref::Steal(ListGetItemRef(l.get(), i));
    total += StrView(item.get()).size();
    Object* borrowed = ListGetItem(l.get(), i);
    total += StrView(borrowed).size();
  }
  EXPECT_EQ(LABKIT_OBSERVE(total), 10100u);
  l.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(MemorySafety, GetItemRefOutlivesTheList) {
  Counts start = Counts::Now();
  Ref item;
  {
    Ref l = Ref::Steal(ListNew(0));
    ListAppend(l.get(), Ref::Steal(IntFromLong(77777)).get());
    item = Ref::Steal(ListGetItemRef(l.get(), 0));
  }
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(item.get())), 77777);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(item.get())), 1);
  item.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(MemorySafety, NoLeaksFromEveryType) {
  Counts start = Counts::Now();
  for (int i = 0; i < 300; ++i) {
    Ref inst = Ref::Steal(InstanceNew(3));
    Ref t = Ref::Steal(TupleNew(3));
    Ref l = Ref::Steal(ListNew(0));
    TupleSetItem(t.get(), 0, StrFromString("leak?"));
    TupleSetItem(t.get(), 1, IntFromLong(1000 + i));
    TupleSetItem(t.get(), 2, NewRef(l.get()));
    for (int j = 0; j < 10; ++j) {
      ListAppend(l.get(), Ref::Steal(IntFromLong(5000 + j)).get());
    }
    InstanceSetSlot(inst.get(), 0, t.get());
    InstanceSetSlot(inst.get(), 1, l.get());
    InstanceSetSlot(inst.get(), 2, Ref::Steal(StrFromString("slot")).get());
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
  // LeakSanitizer checks the rest (item arrays included) when the process exits.
}

TEST(MemorySafety, ClearedListsReleaseTheirArrays) {
  Counts start = Counts::Now();
  for (int i = 0; i < 100; ++i) {
    Ref l = Ref::Steal(ListNew(0));
    for (int j = 0; j < 50; ++j) {
      ListAppend(l.get(), None());
    }
    Type(l.get())->tp_clear(l.get());
    ListAppend(l.get(), True());
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

}  // namespace
}  // namespace refcount
