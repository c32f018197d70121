// Hidden tests: these run under AddressSanitizer and LeakSanitizer. Objects freed while
// the collector still uses them (a reference not held across tp_clear or tp_finalize, a
// resurrected object cleared anyway), and cycles never broken (leaks).
#include <gtest/gtest.h>

#include <vector>

#include "cyclegc/gc.h"
#include "labkit/observe.h"
#include "labs/cyclegc/tests/fixture.h"
#include "labs/cyclegc/tests/graphs.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace cyclegc {
namespace {

using refcount::Ref;
using testing::CollectorTest;
using testing::FinalizerLog;

class MemorySafety : public CollectorTest {};

TEST_F(MemorySafety, PairsOfListsClearEachOther) {
  // Clearing a frees b, whose deallocator drops the last reference to a -- while a's
  // tp_clear is still running, unless the collector holds a reference to a.
  for (int i = 0; i < 100; ++i) {
    Object* a = refcount::ListNew(0);
    Object* b = refcount::ListNew(0);
    refcount::ListAppend(a, b);
    refcount::ListAppend(b, a);
    refcount::Decref(a);
    refcount::Decref(b);
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 200);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(MemorySafety, ContainersWhoseClearFreesThem) {
  // Clearing the first item of each of these drops the last reference to the container
  // itself, while its tp_clear still has items to go.
  for (int i = 0; i < 10; ++i) {
    Object* instance = refcount::InstanceNew(2);
    refcount::InstanceSetSlot(instance, 0, instance);
    refcount::InstanceSetSlot(instance, 1, Ref::Steal(refcount::ListNew(0)).get());
    refcount::Decref(instance);
    Object* tuple = refcount::TupleNew(2);
    refcount::TupleSetItem(tuple, 0, refcount::NewRef(tuple));
    refcount::TupleSetItem(tuple, 1, refcount::IntFromLong(5000 + i));
    refcount::Decref(tuple);
    Object* a = refcount::InstanceNew(2);
    Object* b = refcount::InstanceNew(2);
    refcount::InstanceSetSlot(a, 0, b);
    refcount::InstanceSetSlot(b, 0, a);
    refcount::Decref(a);
    refcount::Decref(b);
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 50);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(MemorySafety, ObjectsReachedLateAreNotFreed) {
  // Every node of a backward ring is met by the scan before the node that refers to it. The
  // test keeps borrowed pointers to all of them (the ring is alive: the test holds its
  // entry) and reads each after the collection.
  Ref entry = Ref::Steal(testing::MakeBackwardRing(100));
  std::vector<Object*> nodes;
  Object* node = entry.get();
  for (int i = 0; i < 100; ++i) {
    nodes.push_back(node);
    node = refcount::AsInstance(node)->slots()[0];
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  Py_ssize_t total = 0;
  for (Object* op : nodes) {
    total += refcount::Refcnt(op);
  }
  EXPECT_EQ(LABKIT_OBSERVE(total), 101);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 100);
}

TEST_F(MemorySafety, FinalizerFreesTheRestOfItsCycle) {
  // a's finalizer breaks the ring: b and c are freed (their finalizers run from their
  // deallocators) while the collector is between two finalizers, and a itself would be
  // freed inside its own finalizer if the collector held no reference to it.
  std::vector<Object*> ring;
  for (int i = 0; i < 3; ++i) {
    ring.push_back(refcount::InstanceNew(1));
  }
  for (int i = 0; i < 3; ++i) {
    refcount::InstanceSetSlot(ring[i], 0, ring[(i + 1) % 3]);
  }
  testing::SetSlotClearingFinalizer(ring[0], "a");
  testing::SetRecordingFinalizer(ring[1], "b");
  testing::SetRecordingFinalizer(ring[2], "c");
  for (Object* op : ring) {
    refcount::Decref(op);
  }
  refcount::Decref(testing::MakeRing(4));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 4);
  EXPECT_EQ(LABKIT_OBSERVE(FinalizerLog()), "a b c ");
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(MemorySafety, ResurrectedObjectsStayUsable) {
  // a -> b -> a; a's finalizer resurrects a. Both must still be whole afterwards.
  Object* a = refcount::InstanceNew(2);
  Object* b = refcount::InstanceNew(1);
  Object* list = refcount::ListNew(0);
  refcount::InstanceSetSlot(a, 0, b);
  refcount::InstanceSetSlot(b, 0, a);
  refcount::InstanceSetSlot(a, 1, list);
  refcount::ListAppend(list, Ref::Steal(refcount::StrFromString("payload")).get());
  refcount::Decref(list);
  refcount::Decref(b);
  refcount::Decref(a);
  testing::SetResurrectingFinalizer(a, "a");
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(a)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(b)), 1);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Size(list)), 1);
  Ref item = Ref::Steal(refcount::ListGetItemRef(list, 0));
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Size(item.get())), 7);
  item.reset();
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(MemorySafety, LegacyGarbageIsNotFreedEarly) {
  Object* legacy = refcount::InstanceNew(2, testing::LegacyInstanceType());
  refcount::InstanceSetSlot(legacy, 0, legacy);
  Object* payload = testing::MakeLiveObjects(5);
  refcount::InstanceSetSlot(legacy, 1, payload);
  refcount::Decref(payload);
  refcount::Decref(legacy);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 7);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(legacy)), 2);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Size(payload)), 5);
  refcount::InstanceSetSlot(legacy, 0, nullptr);
  ClearGarbage();
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(MemorySafety, NoLeaksFromMixedGarbage) {
  for (int i = 0; i < 20; ++i) {
    Object* holder = testing::MakeLiveObjects(10);
    refcount::ListAppend(holder, holder);
    Object* tuple = refcount::TupleNew(2);
    refcount::TupleSetItem(tuple, 0, refcount::NewRef(holder));
    refcount::TupleSetItem(tuple, 1, refcount::StrFromString("tuple"));
    refcount::ListAppend(holder, tuple);
    refcount::Decref(tuple);
    refcount::Decref(holder);
    refcount::Decref(testing::MakeTreeWithParents(15));
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 20 * (1 + 10 + 1 + 15));
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
