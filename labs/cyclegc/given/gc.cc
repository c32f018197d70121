// Given: the collector's state, list operations, and the parts of the gc module that only
// read or set state. See cyclegc/gc.h and cyclegc/internal.h.
#include "cyclegc/gc.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "cyclegc/internal.h"
#include "refcount/objects.h"

namespace cyclegc {
namespace {

bool installed = false;
refcount::GcHooks previous_hooks;
std::vector<std::pair<int, Callback>> callbacks;
int next_callback_id = 1;

void CheckGeneration(int generation, bool allow_all) {
  if ((generation < 0 || generation >= kNumGenerations) && !(allow_all && generation == -1)) {
    throw std::invalid_argument("invalid generation");
  }
}

void ResetState() {
  GcState& state = State();
  for (int i = 0; i < kNumGenerations; ++i) {
    Generation& generation = state.generations[i];
    ListInit(&generation.head);
    generation.threshold = kDefaultThresholds[i];
    generation.count = 0;
    state.stats[i] = GenerationStats{};
  }
  ListInit(&state.permanent_generation.head);
  state.permanent_generation.threshold = 0;
  state.permanent_generation.count = 0;
  state.enabled = true;
  state.collecting = false;
  state.collection_scheduled = false;
  state.long_lived_total = 0;
  state.long_lived_pending = 0;
  callbacks.clear();
}

// Gives every object of `list` back to the object model's default tracking.
void ReleaseList(GcHead* list) {
  GcHead* gc = Next(list);
  while (gc != list) {
    GcHead* next = Next(gc);
    gc->gc_next = refcount::kGcTrackedNoList;
    gc->gc_prev &= kGcPrevMaskFinalized;
    gc = next;
  }
  ListInit(list);
}

}  // namespace

GcState& State() {
  static GcState state;
  return state;
}

void RefcountTooSmall() { refcount::FatalError("gc_decref", "refcount is too small"); }

// ---- Lists --------------------------------------------------------------------------------

void ListAppend(GcHead* node, GcHead* list) {
  GcHead* last = Prev(list);
  SetPrev(node, last);
  SetNext(last, node);
  SetNext(node, list);
  list->gc_prev = reinterpret_cast<std::uintptr_t>(node);
}

void ListRemove(GcHead* node) {
  GcHead* prev = Prev(node);
  GcHead* next = Next(node);
  SetNext(prev, next);
  SetPrev(next, prev);
  node->gc_next = 0;
}

void ListMove(GcHead* node, GcHead* list) {
  GcHead* from_prev = Prev(node);
  GcHead* from_next = Next(node);
  SetNext(from_prev, from_next);
  SetPrev(from_next, from_prev);
  GcHead* to_prev = Prev(list);
  SetPrev(node, to_prev);
  SetNext(to_prev, node);
  list->gc_prev = reinterpret_cast<std::uintptr_t>(node);
  SetNext(node, list);
}

void ListMerge(GcHead* from, GcHead* to) {
  if (from == to) {
    return;
  }
  if (!ListIsEmpty(from)) {
    GcHead* to_tail = Prev(to);
    GcHead* from_head = Next(from);
    GcHead* from_tail = Prev(from);
    SetNext(to_tail, from_head);
    SetPrev(from_head, to_tail);
    SetNext(from_tail, to);
    SetPrev(to, from_tail);
  }
  ListInit(from);
}

Py_ssize_t ListSize(const GcHead* list) {
  Py_ssize_t n = 0;
  for (const GcHead* gc = Next(list); gc != list; gc = Next(gc)) {
    ++n;
  }
  return n;
}

void ListClearCollecting(GcHead* list) {
  for (GcHead* gc = Next(list); gc != list; gc = Next(gc)) {
    ClearCollecting(gc);
  }
}

bool MayBeTracked(Object* op) {
  if (!refcount::IsGc(op)) {
    return false;
  }
  if (op->ob_type == &refcount::TupleType) {
    return refcount::GcIsTracked(op);
  }
  return true;
}

void InvokeCallbacks(std::string_view phase, const CallbackInfo& info) {
  // A copy: a callback may add or remove callbacks.
  const auto current = callbacks;
  for (const auto& [id, callback] : current) {
    callback(phase, info);
  }
}

// ---- Connecting the collector -------------------------------------------------------------

namespace {

// Objects tracked before Install() are not in any of the collector's lists (gc_next is the
// object model's kGcTrackedNoList): the collector never sees them, and untracking one is the
// object model's default untracking, not the student's Untrack.
void UntrackHook(Object* op) {
  GcHead* gc = refcount::AsGc(op);
  if (gc->gc_next == refcount::kGcTrackedNoList) {
    gc->gc_next = 0;
    gc->gc_prev &= kGcPrevMaskFinalized;
    return;
  }
  Untrack(op);
}

}  // namespace

void Install() {
  if (installed) {
    Uninstall();
  }
  ResetState();
  refcount::GcHooks hooks;
  hooks.track = Track;
  hooks.untrack = UntrackHook;
  hooks.on_alloc = OnAlloc;
  hooks.on_free = OnFree;
  previous_hooks = refcount::SetGcHooks(hooks);
  installed = true;
}

void Uninstall() {
  if (!installed) {
    return;
  }
  ClearGarbage();
  GcState& state = State();
  for (Generation& generation : state.generations) {
    ReleaseList(&generation.head);
  }
  ReleaseList(&state.permanent_generation.head);
  refcount::SetGcHooks(previous_hooks);
  callbacks.clear();
  installed = false;
}

bool IsInstalled() { return installed; }

// ---- The gc module ------------------------------------------------------------------------

namespace {

// Runs `collection` with `collecting` set, unless a collection is running already (a
// finalizer or callback asking for another gets 0). The flag is cleared even when the
// collection throws, as an unfinished skeleton does.
template <typename Collection>
Py_ssize_t WhileCollecting(Collection collection) {
  GcState& state = State();
  if (state.collecting) {
    return 0;
  }
  state.collecting = true;
  struct ClearOnExit {
    bool& flag;
    ~ClearOnExit() { flag = false; }
  } clear_on_exit{state.collecting};
  return collection();
}

}  // namespace

Py_ssize_t Collect(int generation) {
  CheckGeneration(generation, /*allow_all=*/false);
  return WhileCollecting([generation] { return CollectWithCallback(generation); });
}

Py_ssize_t RunPendingCollection() {
  GcState& state = State();
  if (!state.collection_scheduled) {
    return 0;
  }
  state.collection_scheduled = false;
  return WhileCollecting(CollectGenerations);
}

bool CollectionPending() { return State().collection_scheduled; }

void Enable() { State().enabled = true; }
void Disable() { State().enabled = false; }
bool IsEnabled() { return State().enabled; }

std::array<int, kNumGenerations> GetCount() {
  std::array<int, kNumGenerations> counts{};
  for (int i = 0; i < kNumGenerations; ++i) {
    counts[i] = State().generations[i].count;
  }
  return counts;
}

std::array<int, kNumGenerations> GetThreshold() {
  std::array<int, kNumGenerations> thresholds{};
  for (int i = 0; i < kNumGenerations; ++i) {
    thresholds[i] = State().generations[i].threshold;
  }
  return thresholds;
}

void SetThreshold(int threshold0, int threshold1, int threshold2) {
  if (threshold0 < 0) {
    throw std::invalid_argument("threshold must be >= 0");
  }
  GcState& state = State();
  state.generations[0].threshold = threshold0;
  if (threshold1 >= 0) {
    state.generations[1].threshold = threshold1;
  }
  if (threshold2 >= 0) {
    state.generations[2].threshold = threshold2;
  }
}

bool IsTracked(Object* op) { return refcount::IsGc(op) && refcount::GcIsTracked(op); }

bool IsFinalized(Object* op) { return refcount::IsGc(op) && refcount::GcIsFinalized(op); }

const std::vector<Object*>& Garbage() { return State().garbage; }

void ClearGarbage() {
  // Take the list first: a Decref may run code that looks at Garbage().
  std::vector<Object*> garbage = std::move(State().garbage);
  State().garbage.clear();
  for (Object* op : garbage) {
    refcount::Decref(op);
  }
}

int AddCallback(Callback callback) {
  const int id = next_callback_id++;
  callbacks.emplace_back(id, std::move(callback));
  return id;
}

void RemoveCallback(int id) {
  for (auto it = callbacks.begin(); it != callbacks.end(); ++it) {
    if (it->first == id) {
      callbacks.erase(it);
      return;
    }
  }
}

std::array<GenerationStats, kNumGenerations> GetStats() { return State().stats; }

std::vector<Object*> GetObjects(int generation) {
  CheckGeneration(generation, /*allow_all=*/true);
  std::vector<Object*> objects;
  for (int i = 0; i < kNumGenerations; ++i) {
    if (generation != -1 && generation != i) {
      continue;
    }
    const GcHead* head = GenerationHead(i);
    for (GcHead* gc = Next(head); gc != head; gc = Next(gc)) {
      objects.push_back(refcount::FromGc(gc));
    }
  }
  return objects;
}

}  // namespace cyclegc
