// Hidden tests: the ownership conventions of the C API -- new vs borrowed references, and
// the setters that steal (TupleSetItem, ListSetItem) vs those that Incref (ListAppend,
// InstanceSetSlot). Counts are checked exactly after every step.
#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

TEST(Ownership, TupleSetItemStealsAndReplaces) {
  Counts start = Counts::Now();
  Ref t = Ref::Steal(TupleNew(1));
  Ref a = Ref::Steal(StrFromString("a"));
  Ref b = Ref::Steal(StrFromString("b"));
  TupleSetItem(t.get(), 0, NewRef(a.get()));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 2);
  TupleSetItem(t.get(), 0, NewRef(b.get()));  // the old item is released
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 1);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(b.get())), 2);
  TupleSetItem(t.get(), 0, nullptr);  // an empty slot again
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(b.get())), 1);
  EXPECT_TRUE(LABKIT_OBSERVE(TupleGetItem(t.get(), 0) == nullptr));
  t.reset();
  a.reset();
  b.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Ownership, SetItemStealsEvenOnError) {
  Counts start = Counts::Now();
  Ref t = Ref::Steal(TupleNew(2));
  Ref l = Ref::Steal(ListNew(2));
  Ref s = Ref::Steal(StrFromString("s"));
  EXPECT_THROW(TupleSetItem(t.get(), 2, NewRef(s.get())), std::out_of_range);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s.get())), 1);
  EXPECT_THROW(TupleSetItem(t.get(), -1, NewRef(s.get())), std::out_of_range);
  EXPECT_THROW(ListSetItem(l.get(), 2, NewRef(s.get())), std::out_of_range);
  EXPECT_THROW(ListSetItem(l.get(), -1, NewRef(s.get())), std::out_of_range);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s.get())), 1);
  t.reset();
  l.reset();
  s.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(Ownership, ListSetItemStealsAndReleasesOld) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(3));
  Ref x = Ref::Steal(IntFromLong(123456));
  ListSetItem(l.get(), 1, NewRef(x.get()));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(x.get())), 2);
  EXPECT_TRUE(LABKIT_OBSERVE(ListGetItem(l.get(), 1) == x.get()));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(x.get())), 2);  // borrowed: unchanged
  ListSetItem(l.get(), 1, IntFromLong(7));        // x's list reference goes
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(x.get())), 1);
  EXPECT_EQ(LABKIT_OBSERVE(IntAsLong(ListGetItem(l.get(), 1))), 7);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 2);  // l and x
  l.reset();
  x.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(Ownership, GetItemRefIsNew) {
  Counts start = Counts::Now();
  Ref l = Ref::Steal(ListNew(0));
  ListAppend(l.get(), Ref::Steal(StrFromString("kept")).get());
  Object* borrowed = ListGetItem(l.get(), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(borrowed)), 1);
  Ref owned = Ref::Steal(ListGetItemRef(l.get(), 0));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(borrowed)), 2);
  l.reset();  // the list goes; our new reference keeps the item alive
  EXPECT_EQ(LABKIT_OBSERVE(StrView(owned.get())), "kept");
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(owned.get())), 1);
  owned.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Ownership, InstanceSlotsIncrefAndGetIsNew) {
  Counts start = Counts::Now();
  Ref inst = Ref::Steal(InstanceNew(2));
  Ref v = Ref::Steal(StrFromString("v"));
  InstanceSetSlot(inst.get(), 0, v.get());  // does not steal
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(v.get())), 2);
  Ref got = Ref::Steal(InstanceGetSlot(inst.get(), 0));
  EXPECT_TRUE(LABKIT_OBSERVE(got.get() == v.get()));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(v.get())), 3);
  EXPECT_TRUE(LABKIT_OBSERVE(InstanceGetSlot(inst.get(), 1) == nullptr));
  InstanceSetSlot(inst.get(), 0, nullptr);  // del inst.attr
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(v.get())), 2);
  InstanceSetSlot(inst.get(), 1, v.get());
  InstanceSetSlot(inst.get(), 1, v.get());  // the same value again: still one reference
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(v.get())), 3);
  EXPECT_THROW(InstanceSetSlot(inst.get(), 2, v.get()), std::out_of_range);
  EXPECT_THROW(InstanceGetSlot(inst.get(), -1), std::out_of_range);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(v.get())), 3);
  inst.reset();
  got.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(v.get())), 1);
  v.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(Ownership, NullAwareVariants) {
  Counts start = Counts::Now();
  XIncref(nullptr);
  XDecref(nullptr);
  EXPECT_TRUE(LABKIT_OBSERVE(XNewRef(nullptr) == nullptr));
  Object* slot = nullptr;
  Clear(&slot);
  EXPECT_TRUE(LABKIT_OBSERVE(slot == nullptr));
  Object* s = StrFromString("x");
  EXPECT_TRUE(LABKIT_OBSERVE(XNewRef(s) == s));
  EXPECT_TRUE(LABKIT_OBSERVE(NewRef(s) == s));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s)), 3);
  XIncref(s);
  XDecref(s);
  XDecref(s);
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s)), 2);
  slot = s;
  Clear(&slot);
  EXPECT_TRUE(LABKIT_OBSERVE(slot == nullptr));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s)), 1);
  Decref(s);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

TEST(Ownership, RefHandleCopyMoveRelease) {
  Counts start = Counts::Now();
  Ref a = Ref::Steal(StrFromString("a"));
  Ref b = a;  // copy: Incref
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 2);
  Ref c = std::move(b);  // move: no change
  EXPECT_FALSE(LABKIT_OBSERVE(static_cast<bool>(b)));
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 2);
  Ref d = Ref::Borrow(a.get());
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 3);
  Ref t = Ref::Steal(TupleNew(1));
  TupleSetItem(t.get(), 0, d.release());  // the tuple takes d's reference
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 3);
  c = a;  // self-assignment of the same object
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 3);
  t.reset();
  c.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(a.get())), 1);
  a.reset();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
}

}  // namespace
}  // namespace refcount
