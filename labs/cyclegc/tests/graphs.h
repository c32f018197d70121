// Object graphs for the cyclegc tests and benchmark: the shapes cycles take in real
// programs, built from lab 2's lists and instances. Each builder returns a NEW reference to
// one object of the structure (its "entry"); dropping that reference leaves the structure
// reachable only from itself -- garbage that only the collector can free -- unless the
// builder says otherwise.
#pragma once

#include <cstdint>

#include "refcount/object.h"
#include "refcount/objects.h"

namespace cyclegc::testing {

using refcount::Object;
using refcount::Py_ssize_t;
using refcount::TypeObject;

// The instance builders take the instances' type. The default, lab 2's InstanceType, has a
// tp_finalize (InstanceFinalize, which runs the C++ finalizer a test may set), so each of its
// garbage instances costs a finalizer call and makes the collector look for resurrections.
// PlainInstanceType() is the same type without tp_finalize: a Python class without __del__
// (CPython gives a heap type a tp_finalize only if it defines __del__). The benchmark uses it
// to compare with CPython's classes.
TypeObject* PlainInstanceType();

// A list that contains itself: a = []; a.append(a).
Object* MakeSelfLoop();
// n instances with one slot each; slot 0 holds the next, the last's holds the first.
Object* MakeRing(Py_ssize_t n, TypeObject* type = &refcount::InstanceType);
// n lists, each holding all n (itself included): n * n references.
Object* MakeClique(Py_ssize_t n);
// n instances in a line, slot 0 holding the next; the last holds nothing. No cycle:
// refcounting alone frees it.
Object* MakeChain(Py_ssize_t n, TypeObject* type = &refcount::InstanceType);
// n instances in a ring that runs against allocation order: node i's slot 0 holds node
// i - 1, node 0's holds node n - 1. The entry is node n - 1, the newest, so it is last in
// generation 0's list and every other node comes before the node that refers to it: the
// worst case for move_unreachable, which must move n - 1 objects back from `unreachable`
// when the entry is referenced from outside.
Object* MakeBackwardRing(Py_ssize_t n);
// A complete binary tree of `nodes` instances with three slots (left, right, parent): every
// parent link closes a cycle. The entry is the root.
Object* MakeTreeWithParents(Py_ssize_t nodes, TypeObject* type = &refcount::InstanceType);
// n lists, each holding `degree` others picked by a fixed pseudo-random sequence from
// `seed` (the same graph every run), plus the next one, so all n are one strongly connected
// component. The entry is list 0.
Object* MakeRandomGraph(Py_ssize_t n, int degree, std::uint64_t seed);

// n instances, each holding `payload` fresh ints and strings but no other container: the
// live, acyclic part of a heap (what a collection walks and keeps). Returned as a list
// holding them all.
Object* MakeLiveObjects(Py_ssize_t n, TypeObject* type = &refcount::InstanceType);

}  // namespace cyclegc::testing
