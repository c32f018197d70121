// refcount/ref.h: Ref, a strong reference for C++ code (GIVEN).
//
// A Ref owns one reference to an object (or holds nullptr) and gives it back when it goes
// away, so C++ callers -- the tests, lab 4 -- cannot forget a Decref on an early return or an
// exception. It is the C++ spelling of what C extension authors do by hand:
//
//   Ref list = Ref::Steal(ListNew(0));      // ListNew returns a NEW reference: take it over
//   Ref first = Ref::Borrow(ListGetItem(list.get(), 0));  // BORROWED: Incref to keep it
//   Ref copy = list;                        // copy = Incref (b = a)
//   Ref moved = std::move(copy);            // move: no count changes
//   TupleSetItem(t, 0, first.release());    // a stealing call gets the reference outright
//                                           // ~Ref: Decref (del a)
#pragma once

#include <utility>

#include "refcount/object.h"

namespace refcount {

class Ref {
 public:
  Ref() = default;
  // Takes over a NEW reference (does not Incref). nullptr is allowed.
  static Ref Steal(Object* op) { return Ref(op); }
  // Makes a new reference from a BORROWED one (Increfs). nullptr is allowed.
  static Ref Borrow(Object* op) { return Ref(XNewRef(op)); }

  Ref(const Ref& other) : op_(XNewRef(other.op_)) {}
  Ref(Ref&& other) noexcept : op_(std::exchange(other.op_, nullptr)) {}
  Ref& operator=(const Ref& other) {
    if (this != &other) {
      reset(XNewRef(other.op_));
    }
    return *this;
  }
  Ref& operator=(Ref&& other) noexcept {
    if (this != &other) {
      reset(std::exchange(other.op_, nullptr));
    }
    return *this;
  }
  ~Ref() { XDecref(op_); }

  Object* get() const { return op_; }
  explicit operator bool() const { return op_ != nullptr; }
  // Gives up ownership without a Decref (for a stealing call).
  Object* release() { return std::exchange(op_, nullptr); }
  // Holds `op` (a reference the caller gives us) instead; the old one is released after
  // the new one is stored, as Py_SETREF does.
  void reset(Object* op = nullptr) {
    Object* old = std::exchange(op_, op);
    XDecref(old);
  }

 private:
  explicit Ref(Object* op) : op_(op) {}
  Object* op_ = nullptr;
};

}  // namespace refcount
