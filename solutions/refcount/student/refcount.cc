// Reference counting: Incref, Decref and friends (REFERENCE SOLUTION).
//
// CPython 3.12's Py_INCREF / Py_DECREF (Include/object.h) in a debug build (Py_REF_DEBUG):
// immortals are left alone, mortal counts feed the total, and a count below zero is fatal.
#include "refcount/object.h"

namespace refcount {

void Incref(Object* op) {
  if (IsImmortal(op)) {
    return;  // rule 2: never written, never counted
  }
  ++op->ob_refcnt;
  IncRefTotal();
}

void Decref(Object* op) {
  if (IsImmortal(op)) {
    return;
  }
  DecRefTotal();
  if (--op->ob_refcnt != 0) {
    if (op->ob_refcnt < 0) {
      NegativeRefcount(op);  // rule 3: never returns
    }
    return;
  }
  Dealloc(op);
}

void XIncref(Object* op) {
  if (op != nullptr) {
    Incref(op);
  }
}

void XDecref(Object* op) {
  if (op != nullptr) {
    Decref(op);
  }
}

Object* NewRef(Object* op) {
  Incref(op);
  return op;
}

Object* XNewRef(Object* op) {
  XIncref(op);
  return op;
}

void Clear(Object** slot) {
  // Py_CLEAR: the slot must read nullptr before the Decref, which may run a deallocator or
  // a finalizer that looks at the slot again.
  Object* old = *slot;
  if (old != nullptr) {
    *slot = nullptr;
    Decref(old);
  }
}

Py_ssize_t GetRefCount(Object* op) {
  // sys.getrefcount(x): its argument is one more reference, held for the call. An immortal's
  // count does not move, so it is reported as it is.
  if (IsImmortal(op)) {
    return op->ob_refcnt;
  }
  return op->ob_refcnt + 1;
}

}  // namespace refcount
