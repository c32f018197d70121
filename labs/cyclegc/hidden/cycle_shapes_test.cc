// Hidden tests: the shapes cycles take -- self-loops, pairs, long rings, cliques, trees with
// parent links, random graphs, cycles through tuples -- and the borders between garbage and
// live objects: a live object holding a cycle, garbage holding a live object.
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

class CycleShapes : public CollectorTest {};

// Two instances with `slots` slots each, slot 0 of each holding the other. Returns the
// first, a NEW reference; the second is its slot 0.
Object* MakePair(Py_ssize_t slots = 1) {
  Object* a = refcount::InstanceNew(slots);
  Object* b = refcount::InstanceNew(slots);
  refcount::InstanceSetSlot(a, 0, b);
  refcount::InstanceSetSlot(b, 0, a);
  refcount::Decref(b);
  return a;
}

TEST_F(CycleShapes, SelfLoopsOfEveryContainer) {
  Object* list = refcount::ListNew(0);
  refcount::ListAppend(list, list);
  Object* instance = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(instance, 0, instance);
  Object* tuple = refcount::TupleNew(1);
  refcount::TupleSetItem(tuple, 0, refcount::NewRef(tuple));
  for (Object* op : {list, instance, tuple}) {
    refcount::Decref(op);
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, ManyPairs) {
  for (int i = 0; i < 50; ++i) {
    refcount::Decref(MakePair());
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 100);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, LongRingAndRandomGraph) {
  refcount::Decref(testing::MakeRing(10000));
  refcount::Decref(testing::MakeRandomGraph(5000, 3, 42));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 15000);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, CliqueAndTreeWithParents) {
  refcount::Decref(testing::MakeClique(40));
  refcount::Decref(testing::MakeTreeWithParents(1000));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 1040);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, ObjectReachedAfterItWasPassed) {
  // b is older than a, so the scan meets b (nothing outside refers to it) before a.
  Object* b = refcount::InstanceNew(1);
  Ref a = Ref::Steal(refcount::InstanceNew(1));
  refcount::InstanceSetSlot(a.get(), 0, b);
  refcount::InstanceSetSlot(b, 0, a.get());
  refcount::Decref(b);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 2);
  Ref slot = Ref::Steal(refcount::InstanceGetSlot(b, 0));
  EXPECT_EQ(slot.get(), a.get());
  slot.reset();
  a.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, BackwardRingHeldThenDropped) {
  Ref entry = Ref::Steal(testing::MakeBackwardRing(5000));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 5000);
  entry.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 5000);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, RandomGraphWithOneOutsideReference) {
  Ref entry = Ref::Steal(testing::MakeRandomGraph(3000, 2, 7));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 3000);
  entry.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3000);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, LiveObjectHoldsACycle) {
  Ref holder = Ref::Steal(refcount::ListNew(0));
  Object* ring = testing::MakeRing(10);
  refcount::ListAppend(holder.get(), ring);
  refcount::Decref(ring);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 11);
  holder.reset();  // freed by refcounting; the ring is garbage now
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 10);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 10);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, GarbageHoldsALiveObjectAndADeadOne) {
  // A ring of 5; node 0 also holds x (which the test holds too), node 1 holds y (held by
  // nothing else), and y holds z.
  std::vector<Object*> ring;
  for (int i = 0; i < 5; ++i) {
    ring.push_back(refcount::InstanceNew(2));
  }
  for (int i = 0; i < 5; ++i) {
    refcount::InstanceSetSlot(ring[i], 0, ring[(i + 1) % 5]);
  }
  Ref x = Ref::Steal(refcount::ListNew(0));
  Object* y = refcount::ListNew(0);
  Object* z = refcount::ListNew(0);
  refcount::InstanceSetSlot(ring[0], 1, x.get());
  refcount::InstanceSetSlot(ring[1], 1, y);
  refcount::ListAppend(y, z);
  refcount::Decref(y);
  refcount::Decref(z);
  for (Object* op : ring) {
    refcount::Decref(op);
  }
  // y and z are unreachable too (acyclic, but only garbage refers to them): counted.
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 7);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(refcount::Refcnt(x.get())), 1);
}

TEST_F(CycleShapes, TwoRingsJoinedOneWay) {
  // Ring A (3 nodes) refers to ring B (4 nodes); nothing refers back.
  auto build = [](Ref* a, Ref* b) {
    std::vector<Object*> nodes;
    for (int i = 0; i < 7; ++i) {
      nodes.push_back(refcount::InstanceNew(2));
    }
    for (int i = 0; i < 3; ++i) {
      refcount::InstanceSetSlot(nodes[i], 0, nodes[(i + 1) % 3]);
    }
    for (int i = 0; i < 4; ++i) {
      refcount::InstanceSetSlot(nodes[3 + i], 0, nodes[3 + (i + 1) % 4]);
    }
    refcount::InstanceSetSlot(nodes[1], 1, nodes[5]);
    *a = Ref::Borrow(nodes[0]);
    *b = Ref::Borrow(nodes[6]);
    for (Object* op : nodes) {
      refcount::Decref(op);
    }
  };
  Ref a;
  Ref b;
  build(&a, &b);
  b.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 0);  // A is held, and reaches B
  a.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 7);
  build(&a, &b);
  a.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3);  // only B is held
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 4);
  b.reset();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 4);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, CyclesThroughTuples) {
  // list -> (list, 5000) -> list, and instance -> list -> tuple -> instance.
  Object* list = refcount::ListNew(0);
  Object* tuple = refcount::TupleNew(2);
  refcount::TupleSetItem(tuple, 0, refcount::NewRef(list));
  refcount::TupleSetItem(tuple, 1, refcount::IntFromLong(5000));
  refcount::ListAppend(list, tuple);
  refcount::Decref(list);
  refcount::Decref(tuple);

  Object* instance = refcount::InstanceNew(1);
  Object* middle = refcount::ListNew(0);
  Object* back = refcount::TupleNew(1);
  refcount::InstanceSetSlot(instance, 0, middle);
  refcount::ListAppend(middle, back);
  refcount::TupleSetItem(back, 0, refcount::NewRef(instance));
  for (Object* op : {instance, middle, back}) {
    refcount::Decref(op);
  }
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 5);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

TEST_F(CycleShapes, LiveAndDeadInterleaved) {
  // Every other pair is held by the test.
  std::vector<Ref> held;
  for (int i = 0; i < 40; ++i) {
    Object* pair = MakePair(2);
    Object* chain = testing::MakeChain(3);
    refcount::InstanceSetSlot(pair, 1, chain);
    refcount::Decref(chain);
    if (i % 2 == 0) {
      held.push_back(Ref::Steal(pair));
    } else {
      refcount::Decref(pair);
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 200);
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 100);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 100);
  held.clear();
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 100);
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
