// Reference counting for the refcount lab: rules 1, 2, 3 and 5 of refcount/object.h.
//
// Every entry point funnels through two primitives, Acquire and Release, which know about
// immortals and the debug-build total; the public functions only add the nullptr handling
// and the return values the C API promises.
#include <utility>

#include "refcount/object.h"

namespace refcount {
namespace {

// One more reference to a mortal object (rule 2: immortals are never written to).
void Acquire(Object* op) {
  if (IsImmortal(op)) {
    return;
  }
  op->ob_refcnt += 1;
  IncRefTotal();
}

// One reference fewer. The count is read back once, after the decrement and after the
// total has been adjusted, and decides between "still alive", "dead" and "corrupted".
void Release(Object* op) {
  if (IsImmortal(op)) {
    return;
  }
  const Py_ssize_t remaining = --op->ob_refcnt;
  DecRefTotal();
  if (remaining > 0) {
    return;
  }
  if (remaining < 0) {
    NegativeRefcount(op);  // [[noreturn]]
  }
  Dealloc(op);
}

}  // namespace

void Incref(Object* op) { Acquire(op); }

void Decref(Object* op) { Release(op); }

// The nullptr-tolerant forms: a null reference is simply no reference.
Object* XNewRef(Object* op) {
  if (op != nullptr) {
    Acquire(op);
  }
  return op;
}

void XIncref(Object* op) { XNewRef(op); }

void XDecref(Object* op) {
  if (op == nullptr) {
    return;
  }
  Release(op);
}

Object* NewRef(Object* op) {
  Acquire(op);
  return op;
}

void Clear(Object** slot) {
  // The slot reads nullptr before the old value can run any deallocator.
  XDecref(std::exchange(*slot, nullptr));
}

Py_ssize_t GetRefCount(Object* op) {
  // sys.getrefcount's own argument is one more reference -- except that an immortal's
  // count is reported as it stands.
  const Py_ssize_t argument = IsImmortal(op) ? 0 : 1;
  return Refcnt(op) + argument;
}

}  // namespace refcount
