// The object runtime (GIVEN): fatal errors, allocation and accounting, the GC header and
// the hooks lab 4 installs, the trashcan state and finalizers. See refcount/object.h.
#include "refcount/object.h"

#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

namespace refcount {
namespace {

void DefaultFatalErrorHandler(const char* function, const std::string& message) {
  std::fprintf(stderr, "Fatal Python error: %s: %s\n", function, message.c_str());
  std::fflush(stderr);
}

FatalErrorHandler fatal_error_handler = DefaultFatalErrorHandler;

// Debug-build accounting (rule 4). One process, one set of counters: the object model is
// single-threaded (lab 5 adds the GIL), so plain integers do.
std::int64_t ref_total = 0;
std::int64_t live_objects = 0;
std::int64_t objects_allocated = 0;
std::int64_t objects_freed = 0;
std::int64_t tracked_objects = 0;

GcHooks gc_hooks;

std::size_t PrefixBytes(const TypeObject* type) {
  return (type->tp_flags & kTpFlagsHaveGc) != 0 ? sizeof(GcHead) : 0;
}

}  // namespace

// ---- Fatal errors ---------------------------------------------------------------------------

void FatalError(const char* function, const std::string& message) {
  fatal_error_handler(function, message);
  // A handler that returns cannot make a corrupted heap safe again.
  std::abort();
}

FatalErrorHandler SetFatalErrorHandler(FatalErrorHandler handler) {
  FatalErrorHandler previous = fatal_error_handler;
  fatal_error_handler = handler != nullptr ? handler : DefaultFatalErrorHandler;
  return previous;
}

void ThrowingFatalErrorHandler(const char* function, const std::string& message) {
  throw FatalErrorException(function, message);
}

void NegativeRefcount(Object* op) {
  (void)op;
  FatalError("_Py_NegativeRefcount", "object has negative ref count");
}

// ---- Allocation and accounting --------------------------------------------------------------

Object* ObjectAlloc(TypeObject* type, Py_ssize_t nitems) {
  if (type == nullptr || nitems < 0) {
    throw std::invalid_argument("ObjectAlloc: bad type or item count");
  }
  const auto basic = static_cast<std::size_t>(type->tp_basicsize);
  const auto item = static_cast<std::size_t>(type->tp_itemsize);
  const auto n = static_cast<std::size_t>(nitems);
  if (item != 0 && n > (SIZE_MAX / 2 - basic) / item) {
    throw std::bad_alloc();
  }
  const std::size_t prefix = PrefixBytes(type);
  // Zero-filled, as PyType_GenericAlloc does: every item starts as nullptr and a GC header
  // starts untracked (gc_next == 0).
  void* memory = std::calloc(1, prefix + basic + n * item);
  if (memory == nullptr) {
    throw std::bad_alloc();
  }
  auto* op = reinterpret_cast<Object*>(static_cast<char*>(memory) + prefix);
  op->ob_refcnt = 1;
  op->ob_type = type;
  ++ref_total;
  ++live_objects;
  ++objects_allocated;
  if (prefix != 0 && gc_hooks.on_alloc != nullptr) {
    gc_hooks.on_alloc(op);
  }
  return op;
}

void ObjectFree(Object* op) {
  const std::size_t prefix = PrefixBytes(op->ob_type);
  if (prefix != 0 && gc_hooks.on_free != nullptr) {
    gc_hooks.on_free(op);
  }
  --live_objects;
  ++objects_freed;
  std::free(reinterpret_cast<char*>(op) - prefix);
}

void IncRefTotal() { ++ref_total; }
void DecRefTotal() { --ref_total; }
std::int64_t TotalRefs() { return ref_total; }
std::int64_t LiveObjects() { return live_objects; }
std::int64_t ObjectsAllocated() { return objects_allocated; }
std::int64_t ObjectsFreed() { return objects_freed; }

// ---- GC header and hooks ----------------------------------------------------------------------

GcHooks SetGcHooks(const GcHooks& hooks) {
  GcHooks previous = gc_hooks;
  gc_hooks = hooks;
  return previous;
}

void GcTrack(Object* op) {
  if (!IsGc(op)) {
    FatalError("PyObject_GC_Track", "object is not a GC object");
  }
  if (GcIsTracked(op)) {
    FatalError("PyObject_GC_Track", "object already tracked by the garbage collector");
  }
  if (gc_hooks.track != nullptr) {
    gc_hooks.track(op);
  } else {
    AsGc(op)->gc_next = kGcTrackedNoList;
  }
  ++tracked_objects;
}

void GcUntrack(Object* op) {
  if (!IsGc(op) || !GcIsTracked(op)) {
    return;
  }
  if (gc_hooks.untrack != nullptr) {
    gc_hooks.untrack(op);
  } else {
    GcHead* gc = AsGc(op);
    gc->gc_next = 0;
    gc->gc_prev &= kGcPrevFlagsMask;
  }
  --tracked_objects;
}

std::int64_t TrackedObjects() { return tracked_objects; }

// ---- Trashcan state ------------------------------------------------------------------------

TrashState& Trash() {
  thread_local TrashState state;
  return state;
}

// ---- Finalizers --------------------------------------------------------------------------------

bool RunFinalizersFromDealloc(Object* op) {
  TypeObject* type = op->ob_type;
  const bool gc = IsGc(op);
  const bool finalize = type->tp_finalize != nullptr && !(gc && GcIsFinalized(op));
  if (!finalize && type->tp_del == nullptr) {
    return false;
  }
  // Temporarily resurrect op (PyObject_CallFinalizerFromDealloc): the finalizer gets a
  // live object with one reference, ours, counted like any other.
  op->ob_refcnt = 1;
  IncRefTotal();
  if (finalize) {
    if (gc) {
      GcSetFinalized(op);
    }
    type->tp_finalize(op);
  }
  if (type->tp_del != nullptr) {
    type->tp_del(op);
  }
  // Drop our temporary reference without deallocating again.
  --op->ob_refcnt;
  DecRefTotal();
  if (op->ob_refcnt == 0) {
    return false;
  }
  // Resurrected: someone kept a reference. The object lives on, tracked again.
  if (gc && !GcIsTracked(op)) {
    GcTrack(op);
  }
  return true;
}

}  // namespace refcount
