// Reference counting: Incref, Decref and friends. YOUR CODE GOES HERE.
//
// Read refcount/object.h first: its opening comment is the specification (rules 1-9). This
// file is rules 1, 2, 3 and 5: CPython 3.12's Py_INCREF / Py_DECREF (Include/object.h) as a
// debug build (Py_REF_DEBUG) runs them, about 60 lines in all.
//
// Ground rules:
//   - Immortal objects (IsImmortal) are never written to and never counted.
//   - After changing a mortal object's count, keep the total: IncRefTotal() / DecRefTotal().
//   - A count that goes below zero is NegativeRefcount(op), never silence.
#include "labkit/todo.h"
#include "refcount/object.h"

namespace refcount {

void Incref([[maybe_unused]] Object* op) {
  // TODO(student): rule 1 and 2. Leave immortals alone; otherwise one more reference, and
  //   one more in the total (IncRefTotal).
  LABKIT_TODO("Incref");
}

void Decref([[maybe_unused]] Object* op) {
  // TODO(student): rules 1-3, in CPython's order.
  //   - Immortals: nothing.
  //   - One reference fewer, in the total too (DecRefTotal).
  //   - Count now 0: Dealloc(op). Count below 0: NegativeRefcount(op).
  LABKIT_TODO("Decref");
}

void XIncref([[maybe_unused]] Object* op) {
  // TODO(student): Incref, but nullptr is allowed (and does nothing).
  LABKIT_TODO("XIncref");
}

void XDecref([[maybe_unused]] Object* op) {
  // TODO(student): Decref, but nullptr is allowed (and does nothing).
  LABKIT_TODO("XDecref");
}

Object* NewRef([[maybe_unused]] Object* op) {
  // TODO(student): Py_NewRef: a new reference to op, returned.
  LABKIT_TODO("NewRef");
}

Object* XNewRef([[maybe_unused]] Object* op) {
  // TODO(student): Py_XNewRef: the same, nullptr allowed.
  LABKIT_TODO("XNewRef");
}

void Clear([[maybe_unused]] Object** slot) {
  // TODO(student): Py_CLEAR. The slot must already read nullptr when the old value is
  //   Decref'd: that Decref may free objects whose deallocators look at this slot again.
  LABKIT_TODO("Clear");
}

Py_ssize_t GetRefCount([[maybe_unused]] Object* op) {
  // TODO(student): rule 5: what sys.getrefcount(x) prints when x names op. Mind the
  //   reference its own argument holds, and what an immortal reports.
  LABKIT_TODO("GetRefCount");
}

}  // namespace refcount
