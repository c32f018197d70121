// The collector's hooks into the object model, and choosing what to collect: an independent
// implementation written from handouts/cyclegc.md and the lab's headers.
#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "refcount/object.h"

namespace cyclegc {
namespace {

constexpr int kOldest = kNumGenerations - 1;

bool ExceedsThreshold(const Generation& generation) {
  return generation.count > generation.threshold;
}

// The long-lived rule: a full collection is worth it only once a quarter as many objects as
// survived the last one have reached the oldest generation since.
bool FullCollectionDue(const GcState& state) {
  return state.long_lived_pending >= state.long_lived_total / 4;
}

// The generation an automatic collection takes, or -1 when none is due.
int DueGeneration(const GcState& state) {
  int candidate = kNumGenerations;
  while (candidate-- > 0) {
    if (!ExceedsThreshold(state.generations[candidate])) {
      continue;
    }
    if (candidate == kOldest && !FullCollectionDue(state)) {
      continue;
    }
    return candidate;
  }
  return -1;
}

bool MayScheduleCollection(const GcState& state) {
  const Generation& young = state.generations[0];
  return state.enabled && young.threshold != 0 && !state.collecting &&
         young.count > young.threshold;
}

}  // namespace

void Track(Object* op) {
  // ListAppend rewrites gc_next and the pointer part of gc_prev; the flag bits stay.
  ListAppend(refcount::AsGc(op), GenerationHead(0));
}

void Untrack(Object* op) {
  GcHead* header = refcount::AsGc(op);
  ListRemove(header);
  header->gc_prev &= kGcPrevMaskFinalized;
}

void OnAlloc(Object* /*op*/) {
  GcState& state = State();
  ++state.generations[0].count;
  if (MayScheduleCollection(state)) {
    state.collection_scheduled = true;
  }
}

void OnFree(Object* /*op*/) {
  int& count = State().generations[0].count;
  if (count != 0) {
    --count;
  }
}

Py_ssize_t CollectGenerations() {
  const int generation = DueGeneration(State());
  return generation < 0 ? 0 : CollectWithCallback(generation);
}

Py_ssize_t CollectWithCallback(int generation) {
  CallbackInfo info;
  info.generation = generation;
  InvokeCallbacks("start", info);
  const CollectResult outcome = CollectMain(generation);
  info.collected = outcome.collected;
  info.uncollectable = outcome.uncollectable;
  InvokeCallbacks("stop", info);
  return info.collected + info.uncollectable;
}

void Freeze() {
  GcState& state = State();
  GcHead* frozen = &state.permanent_generation.head;
  // Youngest first, as gc_freeze_impl merges them.
  for (Generation& generation : state.generations) {
    ListMerge(&generation.head, frozen);
    generation.count = 0;
  }
}

void Unfreeze() { ListMerge(&State().permanent_generation.head, GenerationHead(kOldest)); }

Py_ssize_t GetFreezeCount() { return ListSize(&State().permanent_generation.head); }

}  // namespace cyclegc
