// Reference: the collector's hooks and the choice of what to collect (CPython 3.12's
// _PyObject_GC_TRACK, _PyObject_GC_UNTRACK, _PyObject_GC_Link, PyObject_GC_Del,
// gc_collect_generations, gc_collect_with_callback, gc.freeze).
#include "cyclegc/gc.h"
#include "cyclegc/internal.h"

namespace cyclegc {

using refcount::AsGc;

void Track(Object* op) { ListAppend(AsGc(op), GenerationHead(0)); }

void Untrack(Object* op) {
  GcHead* gc = AsGc(op);
  ListRemove(gc);
  gc->gc_prev &= kGcPrevMaskFinalized;
}

void OnAlloc(Object* /*op*/) {
  GcState& state = State();
  Generation& young = state.generations[0];
  ++young.count;
  if (young.count > young.threshold && state.enabled && young.threshold != 0 && !state.collecting) {
    state.collection_scheduled = true;
  }
}

void OnFree(Object* /*op*/) {
  Generation& young = State().generations[0];
  if (young.count > 0) {
    --young.count;
  }
}

Py_ssize_t CollectGenerations() {
  GcState& state = State();
  for (int i = kNumGenerations - 1; i >= 0; --i) {
    if (state.generations[i].count > state.generations[i].threshold) {
      // A full collection walks everything; do one only when enough new objects have
      // reached the oldest generation since the last (see gc.h, "Generations").
      if (i == kNumGenerations - 1 && state.long_lived_pending < state.long_lived_total / 4) {
        continue;
      }
      return CollectWithCallback(i);
    }
  }
  return 0;
}

Py_ssize_t CollectWithCallback(int generation) {
  InvokeCallbacks("start", CallbackInfo{generation, 0, 0});
  const CollectResult result = CollectMain(generation);
  InvokeCallbacks("stop", CallbackInfo{generation, result.collected, result.uncollectable});
  return result.collected + result.uncollectable;
}

void Freeze() {
  GcState& state = State();
  for (int i = 0; i < kNumGenerations; ++i) {
    ListMerge(GenerationHead(i), &state.permanent_generation.head);
    state.generations[i].count = 0;
  }
}

void Unfreeze() {
  ListMerge(&State().permanent_generation.head, GenerationHead(kNumGenerations - 1));
}

Py_ssize_t GetFreezeCount() { return ListSize(&State().permanent_generation.head); }

}  // namespace cyclegc
