// The collector's hooks into the object model, and choosing what to collect. YOUR CODE GOES
// HERE.
//
// cyclegc/internal.h says what each function must do; cyclegc/gc.h explains generations and
// thresholds. The model is CPython 3.12's Modules/gcmodule.c (_PyObject_GC_Link,
// PyObject_GC_Del, gc_collect_generations, gc_collect_with_callback, gc_freeze_impl) and
// Include/internal/pycore_object.h (_PyObject_GC_TRACK, _PyObject_GC_UNTRACK).
//
// Ground rules:
//   - The generation lists are circular doubly linked lists through the objects' GcHeads;
//     use the given list operations (ListAppend, ListRemove, ListMerge, ...).
//   - Track and Untrack must keep the FINALIZED bit of gc_prev: it lasts an object's life.
#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "labkit/todo.h"

namespace cyclegc {

void Track([[maybe_unused]] Object* op) {
  // TODO(student): append op's header (refcount::AsGc) to generation 0's list.
  LABKIT_TODO("cyclegc::Track");
}

void Untrack([[maybe_unused]] Object* op) {
  // TODO(student): unlink op's header from its list (gc_next becomes 0) and clear every bit
  // of gc_prev except FINALIZED.
  LABKIT_TODO("cyclegc::Untrack");
}

void OnAlloc([[maybe_unused]] Object* op) {
  // TODO(student): count the allocation in generation 0, and schedule a collection when
  // the count passes threshold 0 -- only if the collector is enabled, threshold 0 is not 0
  // and no collection is running. Never collect here.
  LABKIT_TODO("cyclegc::OnAlloc");
}

void OnFree([[maybe_unused]] Object* op) {
  // TODO(student): the object leaves: one fewer in generation 0's count (never below 0).
  LABKIT_TODO("cyclegc::OnFree");
}

Py_ssize_t CollectGenerations() {
  // TODO(student): gc_collect_generations. From the oldest generation down, collect the
  // first whose count exceeds its threshold -- but skip the oldest unless
  // long_lived_pending >= long_lived_total / 4. Return what CollectWithCallback returns
  // (0 if nothing ran).
  LABKIT_TODO("cyclegc::CollectGenerations");
}

Py_ssize_t CollectWithCallback([[maybe_unused]] int generation) {
  // TODO(student): InvokeCallbacks("start", ...), CollectMain, InvokeCallbacks("stop", ...)
  // with the numbers; return collected + uncollectable.
  LABKIT_TODO("cyclegc::CollectWithCallback");
}

void Freeze() {
  // TODO(student): every generation's objects into the permanent generation; every
  // generation's count becomes 0.
  LABKIT_TODO("cyclegc::Freeze");
}

void Unfreeze() {
  // TODO(student): the permanent generation's objects into the oldest generation.
  LABKIT_TODO("cyclegc::Unfreeze");
}

Py_ssize_t GetFreezeCount() {
  // TODO(student): how many objects are frozen.
  LABKIT_TODO("cyclegc::GetFreezeCount");
}

}  // namespace cyclegc
