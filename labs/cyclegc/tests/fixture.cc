#include "fixture.h"

#include <algorithm>
#include <string>

#include "refcount/objects.h"

namespace cyclegc::testing {

namespace {

std::string finalizer_log;
std::vector<Object*> resurrected;
std::string callback_log;

void Log(const char* name, const char* suffix = "") {
  finalizer_log += name;
  finalizer_log += suffix;
  finalizer_log += ' ';
}

void RecordingFinalizer(Object* /*self*/, void* arg) { Log(static_cast<const char*>(arg)); }

bool SlotHoldsSomething(Object* instance) {
  return refcount::Size(instance) > 0 && refcount::AsInstance(instance)->slots()[0] != nullptr;
}

void CheckingFinalizer(Object* self, void* arg) {
  bool intact = SlotHoldsSomething(self);
  if (intact) {
    Object* next = refcount::AsInstance(self)->slots()[0];
    // Reading the next object: AddressSanitizer reports it if the collector freed it.
    if (next->ob_type == &refcount::InstanceType || next->ob_type == LegacyInstanceType()) {
      intact = SlotHoldsSomething(next);
    }
  }
  Log(static_cast<const char*>(arg), intact ? ":intact" : ":cleared");
}

void ResurrectingFinalizer(Object* self, void* arg) {
  Log(static_cast<const char*>(arg));
  resurrected.push_back(refcount::NewRef(self));
}

void CollectingFinalizer(Object* /*self*/, void* arg) {
  Log(static_cast<const char*>(arg));
  const Py_ssize_t found = Collect();
  finalizer_log += static_cast<const char*>(arg);
  finalizer_log += "=" + std::to_string(found) + " ";
}

void SlotClearingFinalizer(Object* self, void* arg) {
  Log(static_cast<const char*>(arg));
  refcount::InstanceSetSlot(self, 0, nullptr);
}

void LegacyDel(Object* /*self*/) { finalizer_log += "del "; }

// gc_next without the UNREACHABLE bit.
GcHead* MaskedNext(const GcHead* gc) {
  return reinterpret_cast<GcHead*>(gc->gc_next & ~kGcNextMaskUnreachable);
}

// More steps than any test's lists have objects: a list whose next pointers do not lead
// back to its head is not walked forever.
constexpr Py_ssize_t kMaxWalk = 50000000;

// Rebuilds `list` from its next pointers: clean next pointers, right back links, no flag but
// FINALIZED.
void Relink(GcHead* list) {
  GcHead* prev = list;
  GcHead* gc = MaskedNext(list);
  list->gc_next = reinterpret_cast<std::uintptr_t>(gc);
  for (Py_ssize_t steps = 0; gc != list && steps < kMaxWalk; ++steps) {
    GcHead* next = MaskedNext(gc);
    gc->gc_next = reinterpret_cast<std::uintptr_t>(next);
    gc->gc_prev = reinterpret_cast<std::uintptr_t>(prev) | (gc->gc_prev & kGcPrevMaskFinalized);
    prev = gc;
    gc = next;
  }
  list->gc_prev = reinterpret_cast<std::uintptr_t>(prev);
}

}  // namespace

void CollectorTest::SetUp() {
  previous_handler_ = refcount::SetFatalErrorHandler(refcount::ThrowingFatalErrorHandler);
  finalizer_log.clear();
  resurrected.clear();
  callback_log.clear();
  Install();
  live_at_setup_ = refcount::LiveObjects();
}

void CollectorTest::TearDown() {
  // A failing or unfinished collector must not stop the clean-up: the next test (and
  // LeakSanitizer) should judge that test, not this one's leftovers.
  try {
    ReleaseResurrected();
    ClearGarbage();
    Collect(kNumGenerations - 1);
  } catch (const std::exception&) {
  }
  Uninstall();
  refcount::SetFatalErrorHandler(previous_handler_);
}

std::int64_t CollectorTest::LiveSinceSetUp() const {
  return refcount::LiveObjects() - live_at_setup_;
}

std::string& FinalizerLog() { return finalizer_log; }

void SetRecordingFinalizer(Object* instance, const char* name) {
  refcount::InstanceSetFinalizer(instance, RecordingFinalizer, const_cast<char*>(name));
}

void SetCheckingFinalizer(Object* instance, const char* name) {
  refcount::InstanceSetFinalizer(instance, CheckingFinalizer, const_cast<char*>(name));
}

void SetResurrectingFinalizer(Object* instance, const char* name) {
  refcount::InstanceSetFinalizer(instance, ResurrectingFinalizer, const_cast<char*>(name));
}

void SetCollectingFinalizer(Object* instance, const char* name) {
  refcount::InstanceSetFinalizer(instance, CollectingFinalizer, const_cast<char*>(name));
}

void SetSlotClearingFinalizer(Object* instance, const char* name) {
  refcount::InstanceSetFinalizer(instance, SlotClearingFinalizer, const_cast<char*>(name));
}

std::vector<Object*>& Resurrected() { return resurrected; }

void ReleaseResurrected() {
  std::vector<Object*> objects = std::move(resurrected);
  resurrected.clear();
  for (Object* op : objects) {
    refcount::Decref(op);
  }
}

std::string& CallbackLog() { return callback_log; }

int AddLoggingCallback(const char* name) {
  const std::string prefix = *name != '\0' ? std::string(name) + ":" : std::string();
  return AddCallback([prefix](std::string_view phase, const CallbackInfo& info) {
    callback_log += prefix + std::string(phase) + " " + std::to_string(info.generation) + " " +
                    std::to_string(info.collected) + " " + std::to_string(info.uncollectable) + "|";
  });
}

refcount::TypeObject* LegacyInstanceType() {
  static refcount::TypeObject type = [] {
    refcount::TypeObject t = refcount::InstanceType;
    t.tp_name = "LegacyInstance";
    t.tp_del = LegacyDel;
    return t;
  }();
  return &type;
}

std::string Positions(const std::vector<Object*>& objects, const std::vector<Object*>& named) {
  std::string text;
  for (Object* op : objects) {
    if (!text.empty()) {
      text += ' ';
    }
    std::string position = "?";
    for (std::size_t i = 0; i < named.size(); ++i) {
      if (named[i] == op) {
        position = std::to_string(i);
        break;
      }
    }
    text += position;
  }
  return text;
}

std::vector<Object*> ListObjects(const GcHead* list) {
  std::vector<Object*> objects;
  const GcHead* gc = MaskedNext(list);
  for (Py_ssize_t steps = 0; gc != list && steps < kMaxWalk; ++steps) {
    objects.push_back(refcount::FromGc(const_cast<GcHead*>(gc)));
    gc = MaskedNext(gc);
  }
  return objects;
}

bool BackLinksConsistent(const GcHead* list) {
  const std::vector<Object*> forward = ListObjects(list);
  std::vector<Object*> backward;
  const GcHead* gc = Prev(list);
  for (std::size_t steps = 0; gc != list && steps <= forward.size(); ++steps) {
    backward.push_back(refcount::FromGc(const_cast<GcHead*>(gc)));
    gc = Prev(gc);
  }
  std::reverse(backward.begin(), backward.end());
  return gc == list && backward == forward;
}

DetachedSet::DetachedSet() {
  ListInit(&set_);
  ListInit(&unreachable_);
  ListInit(&extra_);
  ListMerge(GenerationHead(0), &set_);
}

DetachedSet::~DetachedSet() {
  for (GcHead* list : {&set_, &unreachable_, &extra_}) {
    Relink(list);
    ListMerge(list, GenerationHead(0));
  }
}

std::vector<Object*> MakeInstanceRing(int n, refcount::Py_ssize_t slots) {
  std::vector<Object*> nodes;
  for (int i = 0; i < n; ++i) {
    nodes.push_back(refcount::InstanceNew(slots));
  }
  for (int i = 0; i < n; ++i) {
    refcount::InstanceSetSlot(nodes[i], 0, nodes[(i + 1) % n]);
  }
  for (Object* op : nodes) {
    refcount::Decref(op);
  }
  return nodes;
}

}  // namespace cyclegc::testing
