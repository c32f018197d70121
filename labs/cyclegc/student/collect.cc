// One collection. YOUR CODE GOES HERE.
//
// cyclegc/internal.h is the specification: the header's bit layout, the ten steps of a
// collection, and a paragraph per function. The model is CPython 3.12's Modules/gcmodule.c
// (update_refs, subtract_refs, visit_decref, move_unreachable, visit_reachable,
// untrack_tuples, move_legacy_finalizers, move_legacy_finalizer_reachable, finalize_garbage,
// handle_resurrected_objects, delete_garbage, gc_collect_main).
//
// Ground rules:
//   - No recursion, and no memory besides the objects' own headers and a few local list
//     heads (GcHead on the stack, initialised with ListInit): the lists are the work queues.
//   - Between UpdateRefs and the end of MoveUnreachable the list being collected is singly
//     linked (gc_prev holds gc_refs): follow gc_next only, and do not use the list
//     operations that read prev pointers on it.
//   - Visitors are plain functions `int Visit(Object* child, void* arg)` passed to a type's
//     tp_traverse; `arg` carries whatever they need (a list head, ...). Return 0.
#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "labkit/todo.h"
#include "refcount/objects.h"

namespace cyclegc {

void UpdateRefs([[maybe_unused]] GcHead* containers) {
  // TODO(student): update_refs.
  LABKIT_TODO("cyclegc::UpdateRefs");
}

void SubtractRefs([[maybe_unused]] GcHead* containers) {
  // TODO(student): subtract_refs, with a visitor like CPython's visit_decref.
  LABKIT_TODO("cyclegc::SubtractRefs");
}

void MoveUnreachable([[maybe_unused]] GcHead* young, [[maybe_unused]] GcHead* unreachable) {
  // TODO(student): move_unreachable, with a visitor like CPython's visit_reachable. Keep a
  // `prev` pointer to the last object kept in young: it restores the back links as you go.
  LABKIT_TODO("cyclegc::MoveUnreachable");
}

void UntrackTuples([[maybe_unused]] GcHead* list) {
  // TODO(student): untrack_tuples and _PyTuple_MaybeUntrack (refcount::GcUntrack).
  LABKIT_TODO("cyclegc::UntrackTuples");
}

void MoveLegacyFinalizers([[maybe_unused]] GcHead* unreachable,
                          [[maybe_unused]] GcHead* finalizers) {
  // TODO(student): move_legacy_finalizers.
  LABKIT_TODO("cyclegc::MoveLegacyFinalizers");
}

void MoveLegacyFinalizerReachable([[maybe_unused]] GcHead* finalizers) {
  // TODO(student): move_legacy_finalizer_reachable, with a visitor like visit_move.
  LABKIT_TODO("cyclegc::MoveLegacyFinalizerReachable");
}

void FinalizeGarbage([[maybe_unused]] GcHead* collectable) {
  // TODO(student): finalize_garbage.
  LABKIT_TODO("cyclegc::FinalizeGarbage");
}

void HandleResurrectedObjects([[maybe_unused]] GcHead* unreachable,
                              [[maybe_unused]] GcHead* still_unreachable,
                              [[maybe_unused]] GcHead* old) {
  // TODO(student): handle_resurrected_objects.
  LABKIT_TODO("cyclegc::HandleResurrectedObjects");
}

void DeleteGarbage([[maybe_unused]] GcHead* collectable, [[maybe_unused]] GcHead* old) {
  // TODO(student): delete_garbage.
  LABKIT_TODO("cyclegc::DeleteGarbage");
}

CollectResult CollectMain([[maybe_unused]] int generation) {
  // TODO(student): gc_collect_main: steps 0-10 of internal.h's comment.
  LABKIT_TODO("cyclegc::CollectMain");
}

}  // namespace cyclegc
