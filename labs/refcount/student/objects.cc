// The object types: constructors, accessors, deallocators and GC support. YOUR CODE GOES
// HERE.
//
// refcount/objects.h says, for every function, whether it returns a NEW or a BORROWED
// reference and whether it STEALS its argument; refcount/object.h has rules 1-9. CPython
// 3.12's Objects/longobject.c, tupleobject.c, listobject.c and typeobject.c
// (subtype_dealloc) are the models. About 250 lines.
//
// Ground rules:
//   - Allocate objects ONLY with ObjectAlloc(type, nitems) and free them ONLY with
//     ObjectFree(op): they keep the GC header, the accounting and the hooks. ObjectAlloc
//     zero-fills, sets the type and a count of 1, and leaves ob_size to you.
//   - A list's item array is yours: std::malloc / std::realloc / std::free.
//   - Containers (tuple, list, instance): GcTrack(op) once the constructor is done;
//     a deallocator starts with GcUntrack(op) and runs its body between TrashcanBegin(op)
//     and TrashcanEnd() (rule 7).
//   - A deallocator releases everything the object owns (its items / slots), then the
//     object: that is what makes freeing cascade.
#include "refcount/objects.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include "labkit/todo.h"
#include "refcount/object.h"

namespace refcount {

// ---- int ----------------------------------------------------------------------------------------

Object* IntFromLong([[maybe_unused]] std::int64_t v) {
  // TODO(student): -5..256 come from the small-int cache (SmallInt(v): immortal, so equal
  //   small ints are one object); any other value is a new IntObject.
  LABKIT_TODO("IntFromLong");
}

void IntDealloc([[maybe_unused]] Object* op) {
  // TODO(student): an int owns nothing but itself.
  LABKIT_TODO("IntDealloc");
}

// ---- str ----------------------------------------------------------------------------------------

Object* StrFromString([[maybe_unused]] std::string_view s) {
  // TODO(student): a StrObject with room for the characters and a terminating '\0'
  //   (tp_itemsize is 1); ob_size is the length without the '\0'.
  LABKIT_TODO("StrFromString");
}

void StrDealloc([[maybe_unused]] Object* op) {
  // TODO(student)
  LABKIT_TODO("StrDealloc");
}

// ---- tuple --------------------------------------------------------------------------------------

Object* TupleNew([[maybe_unused]] Py_ssize_t size) {
  // TODO(student): size < 0: std::invalid_argument. size 0: a new reference to the
  //   immortal EmptyTuple(). Otherwise a tracked tuple of `size` nullptr items (inline,
  //   after the header: tp_itemsize is sizeof(Object*)).
  LABKIT_TODO("TupleNew");
}

void TupleSetItem([[maybe_unused]] Object* tuple, [[maybe_unused]] Py_ssize_t i,
                  [[maybe_unused]] Object* item) {
  // TODO(student): PyTuple_SetItem. STEALS item -- even when i is out of range, in which
  //   case release it and throw std::out_of_range. Replace the old item (which may be
  //   nullptr) and release the old one.
  LABKIT_TODO("TupleSetItem");
}

Object* TupleGetItem([[maybe_unused]] Object* tuple, [[maybe_unused]] Py_ssize_t i) {
  // TODO(student): BORROWED. Out of range: std::out_of_range.
  LABKIT_TODO("TupleGetItem");
}

void TupleDealloc([[maybe_unused]] Object* op) {
  // TODO(student): untrack; trashcan; release every item (any order: CPython goes last
  //   first); free; trashcan end.
  LABKIT_TODO("TupleDealloc");
}

int TupleTraverse([[maybe_unused]] Object* op, [[maybe_unused]] visitproc visit,
                  [[maybe_unused]] void* arg) {
  // TODO(student): Py_VISIT each non-null item, first to last; return the first non-zero
  //   result of visit, else 0.
  LABKIT_TODO("TupleTraverse");
}

int TupleClear([[maybe_unused]] Object* op) {
  // TODO(student): Clear every item (the tuple keeps its length; its items become
  //   nullptr). Returns 0.
  LABKIT_TODO("TupleClear");
}

// ---- list ---------------------------------------------------------------------------------------

Object* ListNew([[maybe_unused]] Py_ssize_t size) {
  // TODO(student): size < 0: std::invalid_argument. A tracked list of `size` nullptr items,
  //   allocated == size (ob_item nullptr when size is 0).
  LABKIT_TODO("ListNew");
}

void ListAppend([[maybe_unused]] Object* list, [[maybe_unused]] Object* item) {
  // TODO(student): PyList_Append: the list takes its own reference. Grow like CPython
  //   3.12's list_resize (see objects.h): with newsize = length + 1, if allocated >= newsize
  //   nothing moves; otherwise the new allocation is (newsize + (newsize >> 3) + 6) & ~3.
  LABKIT_TODO("ListAppend");
}

void ListSetItem([[maybe_unused]] Object* list, [[maybe_unused]] Py_ssize_t i,
                 [[maybe_unused]] Object* item) {
  // TODO(student): PyList_SetItem. STEALS item (also on error: release it, then throw
  //   std::out_of_range). Store the new item, THEN release the old one (which may be
  //   nullptr).
  LABKIT_TODO("ListSetItem");
}

Object* ListGetItem([[maybe_unused]] Object* list, [[maybe_unused]] Py_ssize_t i) {
  // TODO(student): PyList_GetItem: BORROWED. Out of range: std::out_of_range.
  LABKIT_TODO("ListGetItem");
}

Object* ListGetItemRef([[maybe_unused]] Object* list, [[maybe_unused]] Py_ssize_t i) {
  // TODO(student): PyList_GetItemRef (3.13): the same item as a NEW reference.
  LABKIT_TODO("ListGetItemRef");
}

void ListDealloc([[maybe_unused]] Object* op) {
  // TODO(student): untrack; trashcan; release every item (any order: CPython goes last
  //   first) and the item array; free; trashcan end.
  LABKIT_TODO("ListDealloc");
}

int ListTraverse([[maybe_unused]] Object* op, [[maybe_unused]] visitproc visit,
                 [[maybe_unused]] void* arg) {
  // TODO(student): as TupleTraverse.
  LABKIT_TODO("ListTraverse");
}

int ListClear([[maybe_unused]] Object* op) {
  // TODO(student): _list_clear: first make the list empty (length 0, allocated 0, ob_item
  //   nullptr), THEN release the old items (any order) and the old array. Returns 0.
  LABKIT_TODO("ListClear");
}

// ---- instance -----------------------------------------------------------------------------------

Object* InstanceNew([[maybe_unused]] Py_ssize_t nslots, [[maybe_unused]] TypeObject* type) {
  // TODO(student): nslots < 0: std::invalid_argument. An object of `type` with nslots
  //   nullptr slots (tp_itemsize is sizeof(Object*)), no finalizer, tracked.
  LABKIT_TODO("InstanceNew");
}

void InstanceSetSlot([[maybe_unused]] Object* inst, [[maybe_unused]] Py_ssize_t i,
                     [[maybe_unused]] Object* value) {
  // TODO(student): setattr: does NOT steal. Store a new reference to value (nullptr:
  //   delete), then release the old value. Out of range: std::out_of_range.
  LABKIT_TODO("InstanceSetSlot");
}

Object* InstanceGetSlot([[maybe_unused]] Object* inst, [[maybe_unused]] Py_ssize_t i) {
  // TODO(student): getattr: a NEW reference, or nullptr for an empty slot.
  //   Out of range: std::out_of_range.
  LABKIT_TODO("InstanceGetSlot");
}

void InstanceDealloc([[maybe_unused]] Object* op) {
  // TODO(student): subtype_dealloc, cut down (rule 9): untrack; trashcan begin; if
  //   RunFinalizersFromDealloc(op) resurrected it, stop (but still end the trashcan);
  //   otherwise clear the slots and free the object; trashcan end.
  LABKIT_TODO("InstanceDealloc");
}

int InstanceTraverse([[maybe_unused]] Object* op, [[maybe_unused]] visitproc visit,
                     [[maybe_unused]] void* arg) {
  // TODO(student): as TupleTraverse, over the slots.
  LABKIT_TODO("InstanceTraverse");
}

int InstanceClear([[maybe_unused]] Object* op) {
  // TODO(student): Clear every slot. Returns 0.
  LABKIT_TODO("InstanceClear");
}

}  // namespace refcount
