// Reference: one collection (CPython 3.12's Modules/gcmodule.c: update_refs, subtract_refs,
// move_unreachable, untrack_tuples, move_legacy_finalizers, finalize_garbage,
// handle_resurrected_objects, delete_garbage, gc_collect_main).
#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "refcount/objects.h"

namespace cyclegc {

using refcount::AsGc;
using refcount::FromGc;

namespace {

int VisitDecref(Object* op, void* /*arg*/) {
  if (refcount::IsGc(op)) {
    GcHead* gc = AsGc(op);
    // Only the objects being collected carry COLLECTING; references to anything else
    // are references from outside the set.
    if (IsCollecting(gc)) {
      DecrementRefs(gc);
    }
  }
  return 0;
}

// move_unreachable's visitor: `arg` is the young list.
int VisitReachable(Object* op, void* arg) {
  if (!refcount::IsGc(op)) {
    return 0;
  }
  GcHead* gc = AsGc(op);
  // Not in the set, or already scanned (scanned objects lose COLLECTING).
  if (!IsCollecting(gc)) {
    return 0;
  }
  if ((gc->gc_next & kGcNextMaskUnreachable) != 0) {
    // Moved to unreachable earlier, but reachable after all: unlink it by hand (the list
    // functions do not understand the flag) and put it at the end of young, where the
    // scan will reach it again.
    GcHead* prev = Prev(gc);
    GcHead* next = reinterpret_cast<GcHead*>(gc->gc_next & ~kGcNextMaskUnreachable);
    prev->gc_next = gc->gc_next;  // keeps the flag
    SetPrev(next, prev);
    ListAppend(gc, static_cast<GcHead*>(arg));
    SetRefs(gc, 1);
  } else if (GetRefs(gc) == 0) {
    // Still ahead of the scan in young: just say it is reachable.
    SetRefs(gc, 1);
  }
  // gc_refs > 0: ahead in young, and the scan will treat it as a root anyway.
  return 0;
}

int VisitMove(Object* op, void* arg) {
  if (refcount::IsGc(op)) {
    GcHead* gc = AsGc(op);
    if (IsCollecting(gc)) {
      ListMove(gc, static_cast<GcHead*>(arg));
      ClearCollecting(gc);
    }
  }
  return 0;
}

void DeduceUnreachable(GcHead* base, GcHead* unreachable) {
  UpdateRefs(base);
  SubtractRefs(base);
  ListInit(unreachable);
  MoveUnreachable(base, unreachable);
}

// True if FinalizeGarbage would call a tp_finalize on some object of `collectable`. If not,
// no code at all runs between the two deductions, so nothing can have been resurrected and
// the second one would find exactly the same garbage: CollectMain skips FinalizeGarbage and
// HandleResurrectedObjects (five walks of the garbage). CPython 3.12 always runs both; the
// skip is this reference's own, and saves a quarter to two fifths of collecting garbage
// lists, or instances of types without tp_finalize (bench/cyclegc).
bool AnyFinalizerToRun(GcHead* collectable) {
  for (GcHead* gc = Next(collectable); gc != collectable; gc = Next(gc)) {
    if (!IsFinalized(gc) && FromGc(gc)->ob_type->tp_finalize != nullptr) {
      return true;
    }
  }
  return false;
}

void ClearUnreachableMask(GcHead* list) {
  for (GcHead* gc = Next(list); gc != list; gc = Next(gc)) {
    gc->gc_next &= ~kGcNextMaskUnreachable;
  }
}

}  // namespace

void UpdateRefs(GcHead* containers) {
  for (GcHead* gc = Next(containers); gc != containers; gc = Next(gc)) {
    ResetRefs(gc, FromGc(gc)->ob_refcnt);
  }
}

void SubtractRefs(GcHead* containers) {
  for (GcHead* gc = Next(containers); gc != containers; gc = Next(gc)) {
    Object* op = FromGc(gc);
    op->ob_type->tp_traverse(op, VisitDecref, op);
  }
}

void MoveUnreachable(GcHead* young, GcHead* unreachable) {
  GcHead* prev = young;  // the last object kept in young: restores the back links
  GcHead* gc = Next(young);
  while (gc != young) {
    if (GetRefs(gc) != 0) {
      Object* op = FromGc(gc);
      op->ob_type->tp_traverse(op, VisitReachable, young);
      SetPrev(gc, prev);
      ClearCollecting(gc);
      prev = gc;
    } else {
      // Tentatively unreachable. Young is singly linked now, so only prev's next changes.
      prev->gc_next = gc->gc_next;
      GcHead* last = Prev(unreachable);
      // The flag goes on every next pointer in the list, the head's included for the moment
      // (repaired below).
      last->gc_next = kGcNextMaskUnreachable | reinterpret_cast<std::uintptr_t>(gc);
      SetPrev(gc, last);
      gc->gc_next = kGcNextMaskUnreachable | reinterpret_cast<std::uintptr_t>(unreachable);
      unreachable->gc_prev = reinterpret_cast<std::uintptr_t>(gc);
    }
    gc = Next(prev);
  }
  young->gc_prev = reinterpret_cast<std::uintptr_t>(prev);
  unreachable->gc_next &= ~kGcNextMaskUnreachable;
}

void UntrackTuples(GcHead* list) {
  GcHead* gc = Next(list);
  while (gc != list) {
    GcHead* next = Next(gc);
    Object* op = FromGc(gc);
    if (op->ob_type == &refcount::TupleType) {
      const Py_ssize_t n = refcount::Size(op);
      Object** items = refcount::AsTuple(op)->items();
      bool atomic = true;
      for (Py_ssize_t i = 0; i < n && atomic; ++i) {
        // A null item: the tuple is still being built.
        atomic = items[i] != nullptr && !MayBeTracked(items[i]);
      }
      if (atomic) {
        refcount::GcUntrack(op);
      }
    }
    gc = next;
  }
}

void MoveLegacyFinalizers(GcHead* unreachable, GcHead* finalizers) {
  GcHead* next = nullptr;
  for (GcHead* gc = Next(unreachable); gc != unreachable; gc = next) {
    gc->gc_next &= ~kGcNextMaskUnreachable;
    next = Next(gc);
    if (FromGc(gc)->ob_type->tp_del != nullptr) {
      ClearCollecting(gc);
      ListMove(gc, finalizers);
    }
  }
}

void MoveLegacyFinalizerReachable(GcHead* finalizers) {
  // Objects moved here are appended, so the walk reaches them too.
  for (GcHead* gc = Next(finalizers); gc != finalizers; gc = Next(gc)) {
    Object* op = FromGc(gc);
    op->ob_type->tp_traverse(op, VisitMove, finalizers);
  }
}

void FinalizeGarbage(GcHead* collectable) {
  GcHead seen;
  ListInit(&seen);
  while (!ListIsEmpty(collectable)) {
    GcHead* gc = Next(collectable);
    Object* op = FromGc(gc);
    ListMove(gc, &seen);
    refcount::destructor finalize = op->ob_type->tp_finalize;
    if (!IsFinalized(gc) && finalize != nullptr) {
      SetFinalized(gc);
      refcount::Incref(op);
      finalize(op);
      refcount::Decref(op);
    }
  }
  ListMerge(&seen, collectable);
}

void HandleResurrectedObjects(GcHead* unreachable, GcHead* still_unreachable, GcHead* old) {
  ListClearCollecting(unreachable);
  DeduceUnreachable(unreachable, still_unreachable);
  ClearUnreachableMask(still_unreachable);
  ListMerge(unreachable, old);
}

void DeleteGarbage(GcHead* collectable, GcHead* old) {
  while (!ListIsEmpty(collectable)) {
    GcHead* gc = Next(collectable);
    Object* op = FromGc(gc);
    if (refcount::inquiry clear = op->ob_type->tp_clear; clear != nullptr) {
      refcount::Incref(op);
      clear(op);
      refcount::Decref(op);
    }
    if (Next(collectable) == gc) {
      // Still alive (something outside the cycle kept it): it may die later.
      ClearCollecting(gc);
      ListMove(gc, old);
    }
  }
}

CollectResult CollectMain(int generation) {
  GcState& state = State();
  if (generation + 1 < kNumGenerations) {
    state.generations[generation + 1].count += 1;
  }
  for (int i = 0; i <= generation; ++i) {
    state.generations[i].count = 0;
  }

  for (int i = 0; i < generation; ++i) {
    ListMerge(GenerationHead(i), GenerationHead(generation));
  }
  GcHead* young = GenerationHead(generation);
  GcHead* old = generation + 1 < kNumGenerations ? GenerationHead(generation + 1) : young;

  GcHead unreachable;
  DeduceUnreachable(young, &unreachable);
  UntrackTuples(young);

  if (young != old) {
    if (generation == kNumGenerations - 2) {
      state.long_lived_pending += ListSize(young);
    }
    ListMerge(young, old);
  } else {
    state.long_lived_pending = 0;
    state.long_lived_total = ListSize(young);
  }

  GcHead finalizers;
  ListInit(&finalizers);
  MoveLegacyFinalizers(&unreachable, &finalizers);
  MoveLegacyFinalizerReachable(&finalizers);

  GcHead final_unreachable;
  if (AnyFinalizerToRun(&unreachable)) {
    FinalizeGarbage(&unreachable);
    HandleResurrectedObjects(&unreachable, &final_unreachable, old);
  } else {
    ListInit(&final_unreachable);
    ListMerge(&unreachable, &final_unreachable);
  }

  CollectResult result;
  result.collected = ListSize(&final_unreachable);
  DeleteGarbage(&final_unreachable, old);

  for (GcHead* gc = Next(&finalizers); gc != &finalizers; gc = Next(gc)) {
    ++result.uncollectable;
    Object* op = FromGc(gc);
    if (op->ob_type->tp_del != nullptr) {
      state.garbage.push_back(refcount::NewRef(op));
    }
  }
  ListMerge(&finalizers, old);

  GenerationStats& stats = state.stats[generation];
  stats.collections += 1;
  stats.collected += result.collected;
  stats.uncollectable += result.uncollectable;
  return result;
}

}  // namespace cyclegc
