// Hidden tests: a deallocator releases what its object owns, so freeing cascades through
// containers -- and stops at objects someone else still holds.
#include <gtest/gtest.h>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

TEST(Cascades, TupleOfListsOfStrings) {
  Counts start = Counts::Now();
  Object* t = TupleNew(3);
  for (int i = 0; i < 3; ++i) {
    Object* l = ListNew(0);
    for (int j = 0; j < 4; ++j) {
      Object* s = StrFromString("item");
      ListAppend(l, s);
      Decref(s);
    }
    TupleSetItem(t, i, l);
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 16);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 16);
  Decref(t);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Cascades, SharedChildSurvives) {
  Counts start = Counts::Now();
  Ref shared = Ref::Steal(StrFromString("shared"));
  Object* a = ListNew(0);
  Object* b = TupleNew(2);
  ListAppend(a, shared.get());
  TupleSetItem(b, 0, NewRef(shared.get()));
  TupleSetItem(b, 1, NewRef(a));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(shared.get())), 3);
  Decref(a);  // b still holds a
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 3);
  Decref(b);  // b, then a
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(shared.get())), 1);
  EXPECT_EQ(LABKIT_OBSERVE(StrView(shared.get())), "shared");
}

TEST(Cascades, InstanceSlotsAreReleased) {
  Counts start = Counts::Now();
  Object* inst = InstanceNew(3);
  Ref kept = Ref::Steal(IntFromLong(99999));
  InstanceSetSlot(inst, 0, kept.get());
  InstanceSetSlot(inst, 2, Ref::Steal(StrFromString("gone")).get());
  Object* child = InstanceNew(1);
  InstanceSetSlot(child, 0, Ref::Steal(ListNew(5)).get());
  InstanceSetSlot(inst, 1, child);
  Decref(child);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 5);
  Decref(inst);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(kept.get())), 1);
}

TEST(Cascades, ClearDropsChildrenButKeepsContainer) {
  Counts start = Counts::Now();
  Ref t = Ref::Steal(TupleNew(2));
  Ref l = Ref::Steal(ListNew(0));
  Ref inst = Ref::Steal(InstanceNew(2));
  TupleSetItem(t.get(), 0, StrFromString("t0"));
  TupleSetItem(t.get(), 1, StrFromString("t1"));
  for (int i = 0; i < 5; ++i) {
    ListAppend(l.get(), Ref::Steal(IntFromLong(1000 + i)).get());
  }
  InstanceSetSlot(inst.get(), 1, Ref::Steal(StrFromString("i1")).get());
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 11);
  EXPECT_EQ(LABKIT_OBSERVE(Type(t.get())->tp_clear(t.get())), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Type(l.get())->tp_clear(l.get())), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Type(inst.get())->tp_clear(inst.get())), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 3);
  EXPECT_EQ(LABKIT_OBSERVE(Size(t.get())), 2);  // a tuple keeps its length
  EXPECT_TRUE(LABKIT_OBSERVE(TupleGetItem(t.get(), 1) == nullptr));
  EXPECT_EQ(LABKIT_OBSERVE(Size(l.get())), 0);
  EXPECT_EQ(LABKIT_OBSERVE(AsList(l.get())->allocated), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(InstanceGetSlot(inst.get(), 1) == nullptr));
  ListAppend(l.get(), t.get());  // still a usable list
  EXPECT_EQ(LABKIT_OBSERVE(Size(l.get())), 1);
}

TEST(Cascades, LongFlatListOfDistinctInts) {
  Counts start = Counts::Now();
  Object* l = ListNew(0);
  for (int i = 0; i < 10000; ++i) {
    Object* v = IntFromLong(1000 + i);
    ListAppend(l, v);
    Decref(v);
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 10001);
  Decref(l);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

// A finalizer that looks at the container its instance is being removed from.
struct Peek {
  Object* container = nullptr;
  Py_ssize_t seen_size = -1;
  bool saw_null = false;
};

void PeekAtList(Object*, void* arg) {
  auto* p = static_cast<Peek*>(arg);
  p->seen_size = Size(p->container);
}

void PeekAtSlot(Object*, void* arg) {
  auto* p = static_cast<Peek*>(arg);
  Ref v = Ref::Steal(InstanceGetSlot(p->container, 0));
  p->saw_null = !v;
}

TEST(Cascades, ClearDetachesBeforeReleasing) {
  // _list_clear and Py_CLEAR: when an item's deallocator runs, the container must no longer
  // refer to it (otherwise that code would see a dangling pointer).
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(0));
  Peek peek_list;
  peek_list.container = l.get();
  Object* a = InstanceNew(0);
  InstanceSetFinalizer(a, PeekAtList, &peek_list);
  ListAppend(l.get(), a);
  Decref(a);
  Type(l.get())->tp_clear(l.get());
  EXPECT_EQ(LABKIT_OBSERVE(peek_list.seen_size), 0);

  Ref holder = Ref::Steal(InstanceNew(1));
  Peek peek_slot;
  peek_slot.container = holder.get();
  Object* b = InstanceNew(0);
  InstanceSetFinalizer(b, PeekAtSlot, &peek_slot);
  InstanceSetSlot(holder.get(), 0, b);
  Decref(b);
  Type(holder.get())->tp_clear(holder.get());
  EXPECT_TRUE(LABKIT_OBSERVE(peek_slot.saw_null));
  l.reset();
  holder.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

}  // namespace
}  // namespace refcount
