// The object types of the refcount lab: ints, strings, tuples, lists and instances.
//
// The three containers keep their references in a plain array of Object* -- inline after
// the header for tuples and instances, a separate malloc'd block for lists -- so traversal,
// clearing and the release of everything a dying container owns are written once, over an
// ItemSpan, and each type only says where its array is.
#include "refcount/objects.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "refcount/object.h"

namespace refcount {
namespace {

// A run of reference slots owned by one container.
struct ItemSpan {
  Object** slot;
  Py_ssize_t count;

  Object** begin() const { return slot; }
  Object** end() const { return slot + count; }
};

ItemSpan TupleItems(Object* op) { return {AsTuple(op)->items(), Size(op)}; }
ItemSpan ListItems(Object* op) { return {AsList(op)->ob_item, Size(op)}; }
ItemSpan InstanceSlots(Object* op) { return {AsInstance(op)->slots(), Size(op)}; }

// Bytes per slot of a list's item array: one pointer (the sizeof of a pointer is meant).
using Slot = Object*;
constexpr std::size_t kSlotBytes = sizeof(Slot);  // NOLINT(bugprone-sizeof-expression)

void SetSize(Object* op, Py_ssize_t n) { reinterpret_cast<VarObject*>(op)->ob_size = n; }

// True when 0 <= i < count (one unsigned comparison covers both ends).
bool InRange(Py_ssize_t i, Py_ssize_t count) {
  return static_cast<std::size_t>(i) < static_cast<std::size_t>(count);
}

[[noreturn]] void ThrowIndexError(const char* where, Py_ssize_t i, Py_ssize_t count) {
  throw std::out_of_range(std::string(where) + ": index " + std::to_string(i) + " not in [0, " +
                          std::to_string(count) + ")");
}

void RejectNegative(const char* where, Py_ssize_t n) {
  if (n < 0) {
    throw std::invalid_argument(std::string(where) + ": negative size");
  }
}

// Py_VISIT over every non-null slot, stopping at the first non-zero answer.
int VisitAll(ItemSpan items, visitproc visit, void* arg) {
  for (Object* child : items) {
    if (child == nullptr) {
      continue;
    }
    if (const int stop = visit(child, arg); stop != 0) {
      return stop;
    }
  }
  return 0;
}

// Drops every reference in the span, each slot reading nullptr before its old value goes.
void ClearAll(ItemSpan items) {
  for (Object*& child : items) {
    Clear(&child);
  }
}

// A stealing store at a checked index (PyTuple_SetItem / PyList_SetItem): the new value is
// in place before the old one is released; on a bad index the stolen reference is dropped.
void StealInto(ItemSpan items, Py_ssize_t i, Object* item, const char* where) {
  if (!InRange(i, items.count)) {
    XDecref(item);
    ThrowIndexError(where, i, items.count);
  }
  XDecref(std::exchange(items.slot[i], item));
}

Object* BorrowAt(ItemSpan items, Py_ssize_t i, const char* where) {
  if (!InRange(i, items.count)) {
    ThrowIndexError(where, i, items.count);
  }
  return items.slot[i];
}

// The common shape of a container's tp_dealloc: untrack, then -- unless the trashcan defers
// the object -- release what it owns and free it between TrashcanBegin and TrashcanEnd.
// `teardown` returns false when the object must survive (a finalizer resurrected it).
template <typename Teardown>
void ContainerDealloc(Object* op, Teardown teardown) {
  GcUntrack(op);
  if (!TrashcanBegin(op)) {
    return;
  }
  if (teardown(op)) {
    ObjectFree(op);
  }
  TrashcanEnd();
}

Object* FinishContainer(Object* op, Py_ssize_t length) {
  SetSize(op, length);
  GcTrack(op);
  return op;
}

// 3.12's list_resize for a list that must hold `needed` items.
Py_ssize_t GrownCapacity(Py_ssize_t needed) {
  return (needed + (needed >> 3) + 6) & ~Py_ssize_t{3};
}

}  // namespace

// ---- int ----------------------------------------------------------------------------------------

Object* IntFromLong(std::int64_t v) {
  const bool cached = v >= kSmallIntMin && v <= kSmallIntMax;
  if (cached) {
    return NewRef(SmallInt(v));  // immortal: NewRef leaves it as it is
  }
  IntObject* box = AsInt(ObjectAlloc(&IntType));
  box->value = v;
  return &box->ob_base;
}

void IntDealloc(Object* op) { ObjectFree(op); }

// ---- str ----------------------------------------------------------------------------------------

Object* StrFromString(std::string_view s) {
  const auto length = static_cast<Py_ssize_t>(s.size());
  // One item per byte, plus one for the terminating '\0'; ob_size counts only the bytes.
  Object* op = ObjectAlloc(&StrType, length + 1);
  SetSize(op, length);
  char* out = std::copy(s.begin(), s.end(), AsStr(op)->data());
  *out = '\0';
  return op;
}

void StrDealloc(Object* op) { ObjectFree(op); }

// ---- tuple --------------------------------------------------------------------------------------

Object* TupleNew(Py_ssize_t size) {
  RejectNegative("TupleNew", size);
  if (size == 0) {
    return NewRef(EmptyTuple());
  }
  return FinishContainer(ObjectAlloc(&TupleType, size), size);
}

void TupleSetItem(Object* tuple, Py_ssize_t i, Object* item) {
  StealInto(TupleItems(tuple), i, item, "TupleSetItem");
}

Object* TupleGetItem(Object* tuple, Py_ssize_t i) {
  return BorrowAt(TupleItems(tuple), i, "TupleGetItem");
}

void TupleDealloc(Object* op) {
  ContainerDealloc(op, [](Object* self) {
    ClearAll(TupleItems(self));
    return true;
  });
}

int TupleTraverse(Object* op, visitproc visit, void* arg) {
  return VisitAll(TupleItems(op), visit, arg);
}

int TupleClear(Object* op) {
  ClearAll(TupleItems(op));
  return 0;
}

// ---- list ---------------------------------------------------------------------------------------

Object* ListNew(Py_ssize_t size) {
  RejectNegative("ListNew", size);
  // The item array first: if it cannot be had, no object has been made (and counted) yet.
  Object** array = nullptr;
  if (size > 0) {
    array = static_cast<Slot*>(std::calloc(static_cast<std::size_t>(size), kSlotBytes));
    if (array == nullptr) {
      throw std::bad_alloc();
    }
  }
  Object* op = nullptr;
  try {
    op = ObjectAlloc(&ListType);
  } catch (...) {
    std::free(array);
    throw;
  }
  AsList(op)->ob_item = array;
  AsList(op)->allocated = size;
  return FinishContainer(op, size);
}

void ListAppend(Object* list, Object* item) {
  ListObject* self = AsList(list);
  const Py_ssize_t needed = Size(list) + 1;
  if (self->allocated < needed) {
    const Py_ssize_t capacity = GrownCapacity(needed);
    void* grown = std::realloc(self->ob_item, static_cast<std::size_t>(capacity) * kSlotBytes);
    if (grown == nullptr) {
      throw std::bad_alloc();
    }
    self->ob_item = static_cast<Slot*>(grown);
    self->allocated = capacity;
  }
  self->ob_item[needed - 1] = NewRef(item);
  SetSize(list, needed);
}

void ListSetItem(Object* list, Py_ssize_t i, Object* item) {
  StealInto(ListItems(list), i, item, "ListSetItem");
}

Object* ListGetItem(Object* list, Py_ssize_t i) {
  return BorrowAt(ListItems(list), i, "ListGetItem");
}

Object* ListGetItemRef(Object* list, Py_ssize_t i) {
  return XNewRef(BorrowAt(ListItems(list), i, "ListGetItemRef"));
}

void ListDealloc(Object* op) {
  ContainerDealloc(op, [](Object* self) {
    ListClear(self);
    return true;
  });
}

int ListTraverse(Object* op, visitproc visit, void* arg) {
  return VisitAll(ListItems(op), visit, arg);
}

int ListClear(Object* op) {
  // _list_clear: detach the whole array from the list, then let the items go.
  ListObject* self = AsList(op);
  const ItemSpan detached = ListItems(op);
  self->ob_item = nullptr;
  self->allocated = 0;
  SetSize(op, 0);
  for (Object* child : detached) {
    XDecref(child);
  }
  std::free(detached.slot);
  return 0;
}

// ---- instance -----------------------------------------------------------------------------------

Object* InstanceNew(Py_ssize_t nslots, TypeObject* type) {
  RejectNegative("InstanceNew", nslots);
  Object* op = ObjectAlloc(type, nslots);  // zero-filled: no finalizer, empty slots
  return FinishContainer(op, nslots);
}

void InstanceSetSlot(Object* inst, Py_ssize_t i, Object* value) {
  const ItemSpan slots = InstanceSlots(inst);
  if (!InRange(i, slots.count)) {
    ThrowIndexError("InstanceSetSlot", i, slots.count);
  }
  XDecref(std::exchange(slots.slot[i], XNewRef(value)));
}

Object* InstanceGetSlot(Object* inst, Py_ssize_t i) {
  return XNewRef(BorrowAt(InstanceSlots(inst), i, "InstanceGetSlot"));
}

void InstanceDealloc(Object* op) {
  ContainerDealloc(op, [](Object* self) {
    if (RunFinalizersFromDealloc(self)) {
      return false;  // resurrected: it lives on, tracked again
    }
    ClearAll(InstanceSlots(self));
    return true;
  });
}

int InstanceTraverse(Object* op, visitproc visit, void* arg) {
  return VisitAll(InstanceSlots(op), visit, arg);
}

int InstanceClear(Object* op) {
  ClearAll(InstanceSlots(op));
  return 0;
}

}  // namespace refcount
