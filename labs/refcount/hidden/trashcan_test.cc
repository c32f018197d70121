// Hidden tests: the trashcan (rule 7). Freeing a 1,000,000-deep chain of nested containers
// must not recurse a million times: each test frees on a thread with a 256 KiB C stack, so a
// deallocator that recurses once per level overflows it (AddressSanitizer reports a stack
// overflow). The nesting levels the deallocators see must be exactly CPython's.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "labkit/c_stack.h"
#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

using testing::Counts;

constexpr std::size_t kSmallCStack = std::size_t{256} * 1024;
constexpr int kMillion = 1000000;

struct TrashAfter {
  int nesting = -1;
  bool empty = false;
};

// Frees `op` (whose last reference the caller gives us) on a small C stack.
TrashAfter DecrefOnSmallStack(Object* op) {
  TrashAfter after;
  labkit::RunWithCStack(kSmallCStack, [&] {
    Decref(op);
    after.nesting = Trash().delete_nesting;
    after.empty = Trash().delete_later == nullptr;
  });
  return after;
}

TEST(Trashcan, MillionNestedListsOnSmallStack) {
  Counts start = Counts::Now();
  Object* top = ListNew(0);
  for (int i = 1; i < kMillion; ++i) {  // [[[[...]]]]
    Object* outer = ListNew(0);
    ListAppend(outer, top);
    Decref(top);
    top = outer;
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), kMillion);
  TrashAfter after = DecrefOnSmallStack(top);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
  EXPECT_EQ(LABKIT_OBSERVE(after.nesting), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(after.empty));
}

TEST(Trashcan, MillionNestedTuplesOnSmallStack) {
  Counts start = Counts::Now();
  Object* top = TupleNew(1);
  TupleSetItem(top, 0, IntFromLong(1 << 20));
  for (int i = 1; i < kMillion; ++i) {  // ((((x,),),),)
    Object* outer = TupleNew(1);
    TupleSetItem(outer, 0, top);  // steals
    top = outer;
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), kMillion + 1);
  TrashAfter after = DecrefOnSmallStack(top);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(after.nesting), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(after.empty));
}

TEST(Trashcan, DeepMixedChainOnSmallStack) {
  // list -> tuple -> instance -> list -> ... 300,000 levels, every container type.
  Counts start = Counts::Now();
  Object* top = StrFromString("bottom");
  for (int i = 0; i < 300000; ++i) {
    Object* outer;
    switch (i % 3) {
      case 0:
        outer = ListNew(0);
        ListAppend(outer, top);
        Decref(top);
        break;
      case 1:
        outer = TupleNew(2);
        TupleSetItem(outer, 1, top);
        break;
      default:
        outer = InstanceNew(2);
        InstanceSetSlot(outer, 0, top);
        Decref(top);
        break;
    }
    top = outer;
  }
  TrashAfter after = DecrefOnSmallStack(top);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 0);
  EXPECT_EQ(LABKIT_OBSERVE(after.nesting), 0);
}

TEST(Trashcan, WideAndDeep) {
  // A list of 200 chains, each 5,000 deep: many deposits while the chain is being destroyed.
  Counts start = Counts::Now();
  Object* root = ListNew(0);
  for (int c = 0; c < 200; ++c) {
    Object* top = TupleNew(0);
    for (int d = 0; d < 5000; ++d) {
      Object* outer = TupleNew(1);
      TupleSetItem(outer, 0, top);
      top = outer;
    }
    ListAppend(root, top);
    Decref(top);
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1 + 200 * 5000);
  TrashAfter after = DecrefOnSmallStack(root);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(after.nesting), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(after.empty));
}

// Records Trash().delete_nesting when each instance's finalizer runs (inside its dealloc,
// after TrashcanBegin).
void RecordNesting(Object* self, void* arg) {
  auto* seen = static_cast<std::vector<std::int64_t>*>(arg);
  seen->push_back(IntAsLong(Ref::Steal(InstanceGetSlot(self, 1)).get()) * 1000 +
                  Trash().delete_nesting);
}

std::string Describe(const std::vector<std::int64_t>& v) {
  std::string out;
  for (std::int64_t x : v) {
    out += std::to_string(x) + " ";
  }
  return out;
}

TEST(Trashcan, NestingLevelsMatchCPython) {
  // A chain of 130 instances, slot 0 -> the next one, slot 1 = its index. Freeing the head:
  // instances 0..49 run at nesting 1..50, instance 50 is deposited; the outermost
  // deallocator then destroys the chain at nesting 1, so 50..98 run at 2..50, 99 is
  // deposited, and so on.
  Counts start = Counts::Now();
  std::vector<std::int64_t> seen;
  constexpr int kChain = 130;
  std::vector<Object*> chain;
  for (int i = 0; i < kChain; ++i) {
    Object* inst = InstanceNew(2);
    InstanceSetSlot(inst, 1, Ref::Steal(IntFromLong(i)).get());
    InstanceSetFinalizer(inst, RecordNesting, &seen);
    chain.push_back(inst);
  }
  for (int i = 0; i + 1 < kChain; ++i) {
    InstanceSetSlot(chain[i], 0, chain[i + 1]);
    Decref(chain[i + 1]);
  }
  Decref(chain[0]);
  std::vector<std::int64_t> expected;
  for (int i = 0; i < kChain; ++i) {
    int nesting = i < kTrashcanDepth ? i + 1 : 2 + (i - kTrashcanDepth) % (kTrashcanDepth - 1);
    expected.push_back(i * 1000 + nesting);
  }
  EXPECT_EQ(LABKIT_OBSERVE(Describe(seen)), Describe(expected));
  EXPECT_EQ(LABKIT_OBSERVE(Trash().delete_nesting), 0);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(Trashcan, ShallowFreesAreImmediate) {
  // Below the depth limit nothing is deferred: each Decref frees at once.
  Counts start = Counts::Now();
  Object* top = ListNew(0);
  for (int i = 1; i < kTrashcanDepth; ++i) {
    Object* outer = ListNew(0);
    ListAppend(outer, top);
    Decref(top);
    top = outer;
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), kTrashcanDepth);
  Decref(top);
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
  EXPECT_EQ(LABKIT_OBSERVE(Trash().delete_nesting), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(Trash().delete_later == nullptr));
}

TEST(Trashcan, BeginAndEndByHand) {
  // The trashcan's own contract, driven directly: depth 50 exactly, LIFO chain through the
  // GC header, and the chain destroyed by the outermost End.
  Counts start = Counts::Now();
  TrashState& trash = Trash();
  Ref holder = Ref::Steal(ListNew(0));  // stands for the deallocators' objects
  for (int i = 0; i < kTrashcanDepth; ++i) {
    EXPECT_TRUE(TrashcanBegin(holder.get()));
  }
  EXPECT_EQ(LABKIT_OBSERVE(trash.delete_nesting), kTrashcanDepth);
  Object* a = ListNew(0);
  Object* b = ListNew(0);
  // Count 0 and untracked, as a deallocator would leave them before TrashcanBegin.
  GcUntrack(a);
  GcUntrack(b);
  a->ob_refcnt = 0;
  b->ob_refcnt = 0;
  DecRefTotal();
  DecRefTotal();
  EXPECT_FALSE(LABKIT_OBSERVE(TrashcanBegin(a)));
  EXPECT_FALSE(LABKIT_OBSERVE(TrashcanBegin(b)));
  EXPECT_TRUE(LABKIT_OBSERVE(trash.delete_later == b));
  EXPECT_TRUE(LABKIT_OBSERVE(GcGetPrev(b) == a));
  EXPECT_EQ(LABKIT_OBSERVE(trash.delete_nesting), kTrashcanDepth);
  for (int i = 1; i < kTrashcanDepth; ++i) {
    TrashcanEnd();
  }
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 3);  // not yet: nesting is 1
  TrashcanEnd();
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 1);
  EXPECT_EQ(LABKIT_OBSERVE(trash.delete_nesting), 0);
  EXPECT_TRUE(LABKIT_OBSERVE(trash.delete_later == nullptr));
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().total_refs), 1);
}

}  // namespace
}  // namespace refcount
