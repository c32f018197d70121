// One collection: an independent implementation written from handouts/cyclegc.md and the
// lab's headers (cyclegc/internal.h numbers the steps CollectMain takes).
#include <cstdint>

#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "refcount/object.h"
#include "refcount/objects.h"

namespace cyclegc {
namespace {

using refcount::AsGc;
using refcount::FromGc;

constexpr int kOldest = kNumGenerations - 1;

std::uintptr_t Address(const GcHead* gc) { return reinterpret_cast<std::uintptr_t>(gc); }

// ---- The UNREACHABLE mark on gc_next ------------------------------------------------------------

bool Marked(const GcHead* gc) { return (gc->gc_next & kGcNextMaskUnreachable) != 0; }
GcHead* UnmarkedNext(const GcHead* gc) {
  return reinterpret_cast<GcHead*>(gc->gc_next & ~kGcNextMaskUnreachable);
}
// Makes `from` point at `to` inside the unreachable list `head`: every member's gc_next is
// marked, the head's own never is.
void LinkInUnreachable(GcHead* from, GcHead* to, const GcHead* head) {
  from->gc_next = from == head ? Address(to) : Address(to) | kGcNextMaskUnreachable;
}

// ---- Objects ------------------------------------------------------------------------------------

// op's header if op is a container of the set being collected, else nullptr.
GcHead* MemberHeader(Object* op) {
  if (!refcount::IsGc(op)) {
    return nullptr;
  }
  GcHead* gc = AsGc(op);
  return IsCollecting(gc) ? gc : nullptr;
}

void TraverseHeader(GcHead* gc, refcount::visitproc visit, void* arg) {
  Object* op = FromGc(gc);
  refcount::Type(op)->tp_traverse(op, visit, arg);
}

// Calls `call(op)` holding a reference to op: the call may free it otherwise.
template <typename Call>
void WhileHeld(Object* op, Call call) {
  refcount::Incref(op);
  call(op);
  refcount::Decref(op);
}

// ---- Visitors -----------------------------------------------------------------------------------

int DropInternalReference(Object* child, void* /*unused*/) {
  if (GcHead* gc = MemberHeader(child)) {
    DecrementRefs(gc);
  }
  return 0;
}

// Appends gc (in no list) to the unreachable list, marked.
void PushUnreachable(GcHead* gc, GcHead* unreachable) {
  GcHead* tail = Prev(unreachable);
  LinkInUnreachable(tail, gc, unreachable);
  SetPrev(gc, tail);
  LinkInUnreachable(gc, unreachable, unreachable);
  unreachable->gc_prev = Address(gc);
}

// What a MoveUnreachable visit needs: the young list and the unreachable list.
struct Lists {
  GcHead* young;
  GcHead* unreachable;
};

// gc was tentatively unreachable and is reachable after all: out of the unreachable list,
// onto the end of young (whose head's gc_prev is a real pointer), gc_refs 1.
void Reprieve(GcHead* gc, const Lists& lists) {
  GcHead* before = Prev(gc);
  GcHead* after = UnmarkedNext(gc);
  LinkInUnreachable(before, after, lists.unreachable);
  SetPrev(after, before);

  GcHead* young_tail = Prev(lists.young);
  SetNext(young_tail, gc);
  SetNext(gc, lists.young);
  lists.young->gc_prev = Address(gc);
  SetRefs(gc, 1);
}

int MarkReachable(Object* child, void* arg) {
  GcHead* gc = MemberHeader(child);
  if (gc == nullptr) {
    return 0;  // outside the set, or already scanned
  }
  if (Marked(gc)) {
    Reprieve(gc, *static_cast<const Lists*>(arg));
  } else if (GetRefs(gc) == 0) {
    SetRefs(gc, 1);  // ahead in young: the scan will keep it
  }
  return 0;
}

// Reached from a legacy finalizer: uncollectable too, and scanned in its turn.
int MoveToUncollectable(Object* child, void* arg) {
  GcHead* gc = MemberHeader(child);
  if (gc != nullptr) {
    ClearCollecting(gc);
    ListMove(gc, static_cast<GcHead*>(arg));
  }
  return 0;
}

// ---- Steps of CollectMain -----------------------------------------------------------------------

// deduce_unreachable (step 2, and again in step 7): what is left in `set` is reachable.
void SplitReachable(GcHead* set, GcHead* unreachable) {
  UpdateRefs(set);
  SubtractRefs(set);
  MoveUnreachable(set, unreachable);
}

void ClearUnreachableMarks(GcHead* list) {
  for (GcHead* gc = UnmarkedNext(list); gc != list; gc = Next(gc)) {
    gc->gc_next &= ~kGcNextMaskUnreachable;
  }
}

bool HasLegacyFinalizer(const Object* op) { return refcount::Type(op)->tp_del != nullptr; }

// A tuple none of whose items can ever be part of a cycle (_PyTuple_MaybeUntrack's test).
bool TupleOfAtoms(Object* op) {
  Object** items = refcount::AsTuple(op)->items();
  for (Py_ssize_t i = refcount::Size(op); i > 0; --i, ++items) {
    if (*items == nullptr || MayBeTracked(*items)) {
      return false;
    }
  }
  return true;
}

// Step 0.
void UpdateCounts(GcState& state, int generation) {
  if (generation < kOldest) {
    state.generations[generation + 1].count += 1;
  }
  for (int i = generation; i >= 0; --i) {
    state.generations[i].count = 0;
  }
}

// Step 4: the survivors in `young` move to `old`, or stay when they are the oldest.
void Promote(GcState& state, GcHead* young, GcHead* old, int generation) {
  if (young == old) {
    state.long_lived_pending = 0;
    state.long_lived_total = ListSize(young);
    return;
  }
  if (generation + 1 == kOldest) {
    state.long_lived_pending += ListSize(young);
  }
  ListMerge(young, old);
}

// Step 9: the tp_del objects of `finalizers` join gc.garbage (a reference each), and the
// whole list joins `old`. Returns the list's size.
Py_ssize_t KeepUncollectable(GcState& state, GcHead* finalizers, GcHead* old) {
  Py_ssize_t kept = 0;
  for (GcHead* gc = Next(finalizers); gc != finalizers; gc = Next(gc)) {
    ++kept;
    Object* op = FromGc(gc);
    if (HasLegacyFinalizer(op)) {
      state.garbage.push_back(refcount::NewRef(op));
    }
  }
  ListMerge(finalizers, old);
  return kept;
}

}  // namespace

void UpdateRefs(GcHead* containers) {
  for (GcHead* gc = Next(containers); gc != containers; gc = Next(gc)) {
    ResetRefs(gc, refcount::Refcnt(FromGc(gc)));
  }
}

void SubtractRefs(GcHead* containers) {
  for (GcHead* gc = Next(containers); gc != containers; gc = Next(gc)) {
    TraverseHeader(gc, DropInternalReference, nullptr);
  }
}

void MoveUnreachable(GcHead* young, GcHead* unreachable) {
  Lists lists{young, unreachable};
  // `kept` is the last object left in young, with its back link restored. Everything before
  // it has been scanned; the loop looks at whatever follows it, which a traversal may have
  // just appended.
  GcHead* kept = young;
  for (GcHead* gc = Next(kept); gc != young; gc = Next(kept)) {
    if (GetRefs(gc) == 0) {
      kept->gc_next = gc->gc_next;  // unlink: young is singly linked here
      PushUnreachable(gc, unreachable);
      continue;
    }
    TraverseHeader(gc, MarkReachable, &lists);
    SetPrev(gc, kept);  // gc_refs gives way to the back link
    ClearCollecting(gc);
    kept = gc;
  }
  young->gc_prev = Address(kept);
}

void UntrackTuples(GcHead* list) {
  GcHead* gc = Next(list);
  while (gc != list) {
    GcHead* following = Next(gc);
    Object* op = FromGc(gc);
    if (refcount::Type(op) == &refcount::TupleType && TupleOfAtoms(op)) {
      refcount::GcUntrack(op);
    }
    gc = following;
  }
}

void MoveLegacyFinalizers(GcHead* unreachable, GcHead* finalizers) {
  GcHead* gc = Next(unreachable);
  while (gc != unreachable) {
    gc->gc_next &= ~kGcNextMaskUnreachable;
    GcHead* following = Next(gc);
    if (HasLegacyFinalizer(FromGc(gc))) {
      ClearCollecting(gc);
      ListMove(gc, finalizers);
    }
    gc = following;
  }
}

void MoveLegacyFinalizerReachable(GcHead* finalizers) {
  // The list grows at its end while we walk it: read the next pointer after each traversal.
  for (GcHead* gc = Next(finalizers); gc != finalizers; gc = Next(gc)) {
    TraverseHeader(gc, MoveToUncollectable, finalizers);
  }
}

void FinalizeGarbage(GcHead* collectable) {
  GcHead done;
  ListInit(&done);
  while (!ListIsEmpty(collectable)) {
    GcHead* gc = Next(collectable);
    ListMove(gc, &done);
    Object* op = FromGc(gc);
    const refcount::destructor finalize = refcount::Type(op)->tp_finalize;
    if (finalize == nullptr || IsFinalized(gc)) {
      continue;
    }
    SetFinalized(gc);
    WhileHeld(op, finalize);
  }
  ListMerge(&done, collectable);
}

void HandleResurrectedObjects(GcHead* unreachable, GcHead* still_unreachable, GcHead* old) {
  ListInit(still_unreachable);  // as deduce_unreachable does: whatever the caller passed
  ListClearCollecting(unreachable);
  SplitReachable(unreachable, still_unreachable);
  ClearUnreachableMarks(still_unreachable);
  ListMerge(unreachable, old);  // what a finalizer brought back
}

void DeleteGarbage(GcHead* collectable, GcHead* old) {
  while (!ListIsEmpty(collectable)) {
    GcHead* gc = Next(collectable);
    Object* op = FromGc(gc);
    if (const refcount::inquiry clear = refcount::Type(op)->tp_clear) {
      WhileHeld(op, clear);
    }
    if (Next(collectable) == gc) {  // still here: something keeps it alive
      ClearCollecting(gc);
      ListMove(gc, old);
    }
  }
}

CollectResult CollectMain(int generation) {
  GcState& state = State();
  UpdateCounts(state, generation);

  GcHead* young = GenerationHead(generation);
  for (int i = 0; i < generation; ++i) {
    ListMerge(GenerationHead(i), young);
  }
  GcHead* old = generation == kOldest ? young : GenerationHead(generation + 1);

  GcHead unreachable;
  ListInit(&unreachable);
  SplitReachable(young, &unreachable);
  UntrackTuples(young);
  Promote(state, young, old, generation);

  GcHead finalizers;
  ListInit(&finalizers);
  MoveLegacyFinalizers(&unreachable, &finalizers);
  MoveLegacyFinalizerReachable(&finalizers);

  FinalizeGarbage(&unreachable);
  GcHead doomed;
  HandleResurrectedObjects(&unreachable, &doomed, old);

  CollectResult result;
  result.collected = ListSize(&doomed);
  DeleteGarbage(&doomed, old);
  result.uncollectable = KeepUncollectable(state, &finalizers, old);

  GenerationStats& stats = state.stats[generation];
  ++stats.collections;
  stats.collected += result.collected;
  stats.uncollectable += result.uncollectable;
  return result;
}

}  // namespace cyclegc
