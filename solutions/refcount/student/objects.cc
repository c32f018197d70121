// The object types: constructors, accessors, deallocators and GC support (REFERENCE
// SOLUTION).
//
// Follows CPython 3.12: Objects/longobject.c (small ints), Objects/unicodeobject.c,
// Objects/tupleobject.c, Objects/listobject.c (list_resize, PyList_SetItem, list_dealloc,
// _list_clear) and Objects/typeobject.c (subtype_dealloc). Ownership rules are in
// refcount/objects.h; rules 1-9 in refcount/object.h.
#include "refcount/objects.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include "refcount/object.h"

namespace refcount {
namespace {

void CheckIndex(Py_ssize_t i, Py_ssize_t size, const char* what) {
  if (i < 0 || i >= size) {
    throw std::out_of_range(std::string(what) + " index out of range");
  }
}

}  // namespace

// ---- int ----------------------------------------------------------------------------------------

Object* IntFromLong(std::int64_t v) {
  if (v >= kSmallIntMin && v <= kSmallIntMax) {
    return SmallInt(v);  // immortal: no Incref needed (it would do nothing)
  }
  Object* op = ObjectAlloc(&IntType);
  AsInt(op)->value = v;
  return op;
}

void IntDealloc(Object* op) { ObjectFree(op); }

// ---- str ----------------------------------------------------------------------------------------

Object* StrFromString(std::string_view s) {
  const auto length = static_cast<Py_ssize_t>(s.size());
  Object* op = ObjectAlloc(&StrType, length + 1);  // + the terminating '\0'
  StrObject* str = AsStr(op);
  str->ob_base.ob_size = length;
  if (!s.empty()) {
    std::memcpy(str->data(), s.data(), s.size());
  }
  str->data()[length] = '\0';
  return op;
}

void StrDealloc(Object* op) { ObjectFree(op); }

// ---- tuple --------------------------------------------------------------------------------------

Object* TupleNew(Py_ssize_t size) {
  if (size < 0) {
    throw std::invalid_argument("TupleNew: negative size");
  }
  if (size == 0) {
    return NewRef(EmptyTuple());
  }
  Object* op = ObjectAlloc(&TupleType, size);  // items zeroed: nullptr
  AsTuple(op)->ob_base.ob_size = size;
  GcTrack(op);
  return op;
}

void TupleSetItem(Object* tuple, Py_ssize_t i, Object* item) {
  TupleObject* t = AsTuple(tuple);
  if (i < 0 || i >= t->ob_base.ob_size) {
    XDecref(item);  // stolen even on error, as PyTuple_SetItem does
    throw std::out_of_range("tuple assignment index out of range");
  }
  Object** slot = &t->items()[i];
  Object* old = *slot;
  *slot = item;
  XDecref(old);
}

Object* TupleGetItem(Object* tuple, Py_ssize_t i) {
  TupleObject* t = AsTuple(tuple);
  CheckIndex(i, t->ob_base.ob_size, "tuple");
  return t->items()[i];
}

void TupleDealloc(Object* op) {
  GcUntrack(op);
  if (!TrashcanBegin(op)) {
    return;
  }
  TupleObject* t = AsTuple(op);
  // Last item first, as tupledealloc does.
  for (Py_ssize_t i = t->ob_base.ob_size; --i >= 0;) {
    XDecref(t->items()[i]);
  }
  ObjectFree(op);
  TrashcanEnd();
}

int TupleTraverse(Object* op, visitproc visit, void* arg) {
  TupleObject* t = AsTuple(op);
  for (Py_ssize_t i = 0; i < t->ob_base.ob_size; ++i) {
    if (Object* item = t->items()[i]) {
      if (int r = visit(item, arg)) {
        return r;
      }
    }
  }
  return 0;
}

int TupleClear(Object* op) {
  TupleObject* t = AsTuple(op);
  for (Py_ssize_t i = 0; i < t->ob_base.ob_size; ++i) {
    Clear(&t->items()[i]);
  }
  return 0;
}

// ---- list ---------------------------------------------------------------------------------------

namespace {

Object** AllocateItems(Py_ssize_t n) {
  if (n == 0) {
    return nullptr;
  }
  void* items = std::calloc(static_cast<std::size_t>(n), sizeof(Object*));
  if (items == nullptr) {
    throw std::bad_alloc();
  }
  return static_cast<Object**>(items);
}

// list_resize (3.12): make room for newsize items, over-allocating so that appends are
// amortised O(1): 0, 4, 8, 16, 24, 32, 40, 52, 64, 76, ...
void ListResize(ListObject* list, Py_ssize_t newsize) {
  if (list->allocated >= newsize && newsize >= (list->allocated >> 1)) {
    list->ob_base.ob_size = newsize;
    return;
  }
  auto new_allocated = static_cast<Py_ssize_t>(
      (static_cast<std::size_t>(newsize) + (newsize >> 3) + 6) & ~static_cast<std::size_t>(3));
  if (newsize - list->ob_base.ob_size > new_allocated - newsize) {
    new_allocated = (newsize + 3) & ~static_cast<Py_ssize_t>(3);
  }
  if (newsize == 0) {
    new_allocated = 0;
  }
  if (new_allocated == 0) {
    std::free(list->ob_item);
    list->ob_item = nullptr;
  } else {
    void* items =
        std::realloc(list->ob_item, static_cast<std::size_t>(new_allocated) * sizeof(Object*));
    if (items == nullptr) {
      throw std::bad_alloc();
    }
    list->ob_item = static_cast<Object**>(items);
  }
  list->ob_base.ob_size = newsize;
  list->allocated = new_allocated;
}

}  // namespace

Object* ListNew(Py_ssize_t size) {
  if (size < 0) {
    throw std::invalid_argument("ListNew: negative size");
  }
  Object** items = AllocateItems(size);
  Object* op = nullptr;
  try {
    op = ObjectAlloc(&ListType);
  } catch (...) {
    std::free(items);  // the array is not the list's yet
    throw;
  }
  ListObject* list = AsList(op);
  list->ob_item = items;
  list->allocated = size;
  list->ob_base.ob_size = size;
  GcTrack(op);
  return op;
}

void ListAppend(Object* list, Object* item) {
  ListObject* l = AsList(list);
  const Py_ssize_t n = l->ob_base.ob_size;
  ListResize(l, n + 1);
  l->ob_item[n] = NewRef(item);
}

void ListSetItem(Object* list, Py_ssize_t i, Object* item) {
  ListObject* l = AsList(list);
  if (i < 0 || i >= l->ob_base.ob_size) {
    XDecref(item);
    throw std::out_of_range("list assignment index out of range");
  }
  Object* old = l->ob_item[i];
  l->ob_item[i] = item;  // Py_XSETREF: store first, release after
  XDecref(old);
}

Object* ListGetItem(Object* list, Py_ssize_t i) {
  ListObject* l = AsList(list);
  CheckIndex(i, l->ob_base.ob_size, "list");
  return l->ob_item[i];
}

Object* ListGetItemRef(Object* list, Py_ssize_t i) { return XNewRef(ListGetItem(list, i)); }

void ListDealloc(Object* op) {
  GcUntrack(op);
  if (!TrashcanBegin(op)) {
    return;
  }
  ListObject* l = AsList(op);
  if (l->ob_item != nullptr) {
    for (Py_ssize_t i = l->ob_base.ob_size; --i >= 0;) {
      XDecref(l->ob_item[i]);
    }
    std::free(l->ob_item);
  }
  ObjectFree(op);
  TrashcanEnd();
}

int ListTraverse(Object* op, visitproc visit, void* arg) {
  ListObject* l = AsList(op);
  for (Py_ssize_t i = 0; i < l->ob_base.ob_size; ++i) {
    if (Object* item = l->ob_item[i]) {
      if (int r = visit(item, arg)) {
        return r;
      }
    }
  }
  return 0;
}

int ListClear(Object* op) {
  // _list_clear: detach the items from the list first, so that anything the Decrefs run
  // sees an empty list, then release them (last first) and the array.
  ListObject* l = AsList(op);
  Object** items = l->ob_item;
  Py_ssize_t n = l->ob_base.ob_size;
  l->ob_item = nullptr;
  l->ob_base.ob_size = 0;
  l->allocated = 0;
  if (items != nullptr) {
    while (--n >= 0) {
      XDecref(items[n]);
    }
    std::free(items);
  }
  return 0;
}

// ---- instance -----------------------------------------------------------------------------------

Object* InstanceNew(Py_ssize_t nslots, TypeObject* type) {
  if (nslots < 0) {
    throw std::invalid_argument("InstanceNew: negative slot count");
  }
  Object* op = ObjectAlloc(type, nslots);
  AsInstance(op)->ob_base.ob_size = nslots;
  GcTrack(op);
  return op;
}

void InstanceSetSlot(Object* inst, Py_ssize_t i, Object* value) {
  InstanceObject* self = AsInstance(inst);
  CheckIndex(i, self->ob_base.ob_size, "slot");
  Object* old = self->slots()[i];
  self->slots()[i] = XNewRef(value);
  XDecref(old);
}

Object* InstanceGetSlot(Object* inst, Py_ssize_t i) {
  InstanceObject* self = AsInstance(inst);
  CheckIndex(i, self->ob_base.ob_size, "slot");
  return XNewRef(self->slots()[i]);
}

void InstanceDealloc(Object* op) {
  // subtype_dealloc, cut down.
  GcUntrack(op);
  if (!TrashcanBegin(op)) {
    return;
  }
  if (!RunFinalizersFromDealloc(op)) {
    InstanceClear(op);
    ObjectFree(op);
  }
  TrashcanEnd();
}

int InstanceTraverse(Object* op, visitproc visit, void* arg) {
  InstanceObject* self = AsInstance(op);
  for (Py_ssize_t i = 0; i < self->ob_base.ob_size; ++i) {
    if (Object* value = self->slots()[i]) {
      if (int r = visit(value, arg)) {
        return r;
      }
    }
  }
  return 0;
}

int InstanceClear(Object* op) {
  InstanceObject* self = AsInstance(op);
  for (Py_ssize_t i = 0; i < self->ob_base.ob_size; ++i) {
    Clear(&self->slots()[i]);
  }
  return 0;
}

}  // namespace refcount
