#include "graphs.h"

#include <vector>

#include "refcount/objects.h"

namespace cyclegc::testing {

using refcount::Decref;
using refcount::InstanceNew;
using refcount::InstanceSetSlot;
using refcount::ListAppend;
using refcount::ListNew;

TypeObject* PlainInstanceType() {
  // Made on first use: InstanceType is another file's static.
  static TypeObject type = [] {
    TypeObject plain = refcount::InstanceType;
    plain.tp_name = "PlainInstance";
    plain.tp_finalize = nullptr;
    return plain;
  }();
  return &type;
}

Object* MakeSelfLoop() {
  Object* list = ListNew(0);
  ListAppend(list, list);
  return list;
}

Object* MakeRing(Py_ssize_t n, TypeObject* type) {
  Object* first = InstanceNew(1, type);
  Object* last = first;  // borrowed from here on: each node is owned by its predecessor
  for (Py_ssize_t i = 1; i < n; ++i) {
    Object* node = InstanceNew(1, type);
    InstanceSetSlot(last, 0, node);  // the predecessor takes its own reference
    Decref(node);
    last = node;
  }
  InstanceSetSlot(last, 0, first);
  return first;
}

Object* MakeBackwardRing(Py_ssize_t n) {
  Object* first = InstanceNew(1);
  Object* previous = first;  // owned by the next node from the second node on
  for (Py_ssize_t i = 1; i < n; ++i) {
    Object* node = InstanceNew(1);
    InstanceSetSlot(node, 0, previous);
    if (previous != first) {
      Decref(previous);
    }
    previous = node;
  }
  InstanceSetSlot(first, 0, previous);  // closes the ring (a self-loop when n == 1)
  if (previous != first) {
    Decref(first);
  }
  return previous;
}

Object* MakeClique(Py_ssize_t n) {
  std::vector<Object*> lists;
  lists.reserve(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    lists.push_back(ListNew(0));
  }
  for (Object* from : lists) {
    for (Object* to : lists) {
      ListAppend(from, to);
    }
  }
  for (std::size_t i = 1; i < lists.size(); ++i) {
    Decref(lists[i]);
  }
  return lists[0];
}

Object* MakeChain(Py_ssize_t n, TypeObject* type) {
  Object* first = InstanceNew(1, type);
  Object* last = first;
  for (Py_ssize_t i = 1; i < n; ++i) {
    Object* node = InstanceNew(1, type);
    InstanceSetSlot(last, 0, node);
    Decref(node);
    last = node;
  }
  return first;
}

Object* MakeTreeWithParents(Py_ssize_t nodes, TypeObject* type) {
  // Heap order: node i's children are 2i+1 and 2i+2.
  std::vector<Object*> all;
  all.reserve(static_cast<std::size_t>(nodes));
  for (Py_ssize_t i = 0; i < nodes; ++i) {
    all.push_back(InstanceNew(3, type));
  }
  for (Py_ssize_t i = 1; i < nodes; ++i) {
    Object* parent = all[static_cast<std::size_t>((i - 1) / 2)];
    Object* child = all[static_cast<std::size_t>(i)];
    InstanceSetSlot(parent, (i % 2 == 1) ? 0 : 1, child);
    InstanceSetSlot(child, 2, parent);
  }
  for (std::size_t i = 1; i < all.size(); ++i) {
    Decref(all[i]);
  }
  return all.empty() ? nullptr : all[0];
}

Object* MakeRandomGraph(Py_ssize_t n, int degree, std::uint64_t seed) {
  std::vector<Object*> lists;
  lists.reserve(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    lists.push_back(ListNew(0));
  }
  std::uint64_t x = seed | 1;
  for (Py_ssize_t i = 0; i < n; ++i) {
    Object* from = lists[static_cast<std::size_t>(i)];
    ListAppend(from, lists[static_cast<std::size_t>((i + 1) % n)]);
    for (int k = 0; k < degree; ++k) {
      // xorshift64: cheap, and the same sequence on every machine.
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      ListAppend(from, lists[static_cast<std::size_t>(x % static_cast<std::uint64_t>(n))]);
    }
  }
  for (std::size_t i = 1; i < lists.size(); ++i) {
    Decref(lists[i]);
  }
  return lists.empty() ? nullptr : lists[0];
}

Object* MakeLiveObjects(Py_ssize_t n, TypeObject* type) {
  Object* holder = ListNew(0);
  for (Py_ssize_t i = 0; i < n; ++i) {
    Object* instance = InstanceNew(2, type);
    Object* number = refcount::IntFromLong(1000 + i);
    Object* text = refcount::StrFromString("payload");
    InstanceSetSlot(instance, 0, number);
    InstanceSetSlot(instance, 1, text);
    Decref(number);
    Decref(text);
    ListAppend(holder, instance);
    Decref(instance);
  }
  return holder;
}

}  // namespace cyclegc::testing
