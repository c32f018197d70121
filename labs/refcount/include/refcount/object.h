// refcount/object.h: a reference-counted object model in CPython's shape (GIVEN: students do
// not edit this file).
//
// ==========================================================================================
// Objects, references and who owns them
// ==========================================================================================
//
// In CPython every value is a heap object that starts with the same two-word header
// (Include/object.h, PyObject):
//
//     +------------------+  <- Object*  (what every API passes around)
//     | ob_refcnt        |  how many references to this object exist
//     | ob_type          |  its type: name, size, and the functions that act on it
//     +------------------+
//     | ... the type's own fields (an int's value, a list's items, ...)
//
// A Python name, a list slot, a tuple slot, an attribute, a C++ local holding an Object*
// it is responsible for: each is a *reference*, and each counts once in ob_refcnt. `b = a`
// adds one (Incref); `del a` removes one (Decref). When Decref takes the count to 0 nobody
// can reach the object any more, so Decref calls the type's deallocator (Dealloc ->
// tp_dealloc), which Decrefs everything the object itself refers to -- so freeing cascades
// -- and then releases the memory (ObjectFree). Read with CPython 3.12's Include/object.h
// (Py_INCREF, Py_DECREF, _Py_Dealloc) and Objects/object.c.
//
// THE RULES (what the student code must do; the tests check them exactly)
//
// 1. Incref(op) adds 1 to op->ob_refcnt; Decref(op) subtracts 1 and, when the count reaches
//    0, calls Dealloc(op). X-variants accept nullptr and do nothing for it. NewRef(op)
//    Increfs and returns op. Clear(&slot) sets the slot to nullptr FIRST and only then
//    Decrefs the old value (the Decref may run arbitrary code that reads the slot again:
//    CPython's Py_CLEAR).
//
// 2. Immortal objects (PEP 683, CPython 3.12): None, True, False, the empty tuple and the
//    small ints -5..256. Their ob_refcnt is kImmortalRefcnt (4294967295 = UINT_MAX, 3.12's
//    _Py_IMMORTAL_REFCNT on 64-bit) and NEVER changes: Incref and Decref first test
//    IsImmortal(op) and return at once. They are never deallocated. Why: these objects are
//    touched by almost every line of Python, and never writing to their header keeps the
//    memory pages shared (fork, copy-on-write) and the cache lines clean.
//
// 3. Negative counts are fatal. Like a debug build of CPython (Py_REF_DEBUG), Decref
//    decrements, then: count == 0 -> Dealloc; count < 0 -> NegativeRefcount(op) (given:
//    calls FatalError with "object has negative ref count", CPython's wording in
//    _Py_NegativeRefcount). It never returns.
//
// 4. Accounting, as a debug build's sys.gettotalrefcount(): TotalRefs() is the sum of the
//    reference counts of all live MORTAL objects. ObjectAlloc counts the new object's first
//    reference; after changing a mortal object's count, Incref calls IncRefTotal() and
//    Decref calls DecRefTotal() (given: what 3.12's debug-build Py_INCREF / Py_DECREF do
//    through _Py_INCREF_IncRefTotal / _Py_DECREF_DecRefTotal, Objects/object.c).
//    Immortals are not counted (3.12 skips them too). LiveObjects() counts objects made by
//    ObjectAlloc and not yet ObjectFree'd. Both are per process; tests compare differences.
//
// 5. GetRefCount(op) is what `sys.getrefcount(x)` prints when x names op: the count PLUS
//    ONE for the temporary reference the call's own argument holds; for an immortal it is
//    the immortal count itself, 4294967295 (3.12 prints that for sys.getrefcount(None)).
//
// 6. Ownership conventions of the C API (refcount/objects.h says which function does what):
//    - a NEW reference is returned to you: you own it and must Decref it (or hand it on);
//    - a BORROWED reference is not yours: use it while its owner keeps it alive; Incref
//      it (NewRef) if you want to keep it;
//    - a function that STEALS a reference takes over the one you pass in (TupleSetItem,
//      ListSetItem, like PyTuple_SetItem / PyList_SetItem): you must not Decref it after.
//      Everything else that stores an object (ListAppend, InstanceSetSlot) Increfs it.
//
// 7. The trashcan. A deallocator Decrefs its children, whose deallocators Decref theirs, so
//    freeing a chain of a million nested lists would recurse a million times in C. Every
//    container deallocator (tuple, list, instance) therefore runs its body between
//    TrashcanBegin(op) and TrashcanEnd(), exactly like CPython 3.12's Py_TRASHCAN_BEGIN /
//    Py_TRASHCAN_END (macros in Include/cpython/object.h, calling _PyTrash_begin and
//    _PyTrash_end in Objects/object.c, which use _PyTrash_thread_deposit_object and
//    _PyTrash_thread_destroy_chain there):
//      - TrashcanBegin(op): if the thread's delete_nesting >= kTrashcanDepth (50: 3.12's
//        _PyTrash_UNWIND_LEVEL, a #define in Objects/object.c), push op onto the
//        delete_later list, chained through its GC header's prev pointer (GcSetPrev), and
//        return false: the caller returns at once, with op not freed. Otherwise
//        delete_nesting + 1 and return true.
//      - TrashcanEnd(): delete_nesting - 1; then, if delete_later is not empty and
//        delete_nesting <= 0, destroy the chain: delete_nesting + 1, then while delete_later
//        is not empty pop its head (LIFO) and call its type's tp_dealloc, then
//        delete_nesting - 1.
//    The C stack thus holds at most ~50 nested deallocators, however deep the data is.
//
// 8. Containers and the cycle collector (the hooks are used by lab 4, cyclegc). Tuple,
//    list and instance types have kTpFlagsHaveGc. ObjectAlloc puts a GcHead {gc_next,
//    gc_prev} in front of such objects (CPython's PyGC_Head; AsGc(op) finds it). A
//    constructor calls GcTrack(op) when the object is fully initialised (as PyList_New
//    calls _PyObject_GC_TRACK); a deallocator calls GcUntrack(op) first. tp_traverse(op,
//    visit, arg) calls visit(child, arg) for each non-null child in order and returns the
//    first non-zero result (else 0) (Py_VISIT); tp_clear(op) drops every child reference
//    (with Clear, so slots read nullptr before each Decref) and returns 0.
//
// 9. Finalizers (used by lab 4): tp_finalize (PEP 442, runs at most once per object) and
//    tp_del (legacy __del__) live on the type. An instance deallocator calls the given
//    RunFinalizersFromDealloc(op) after TrashcanBegin; if it returns true the finalizer
//    resurrected the object (stored a new reference to it) and the deallocator must stop
//    without freeing anything.
//
// Objects are allocated and freed ONLY through ObjectAlloc and ObjectFree (given): they own
// the GC-header layout, the accounting and the hooks.
// ==========================================================================================
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace refcount {

using Py_ssize_t = std::ptrdiff_t;

struct Object;
struct TypeObject;

using destructor = void (*)(Object*);
using visitproc = int (*)(Object*, void*);
using traverseproc = int (*)(Object*, visitproc, void*);
using inquiry = int (*)(Object*);

// The header every object starts with: CPython's PyObject.
struct Object {
  Py_ssize_t ob_refcnt;
  TypeObject* ob_type;
};

// The header of variable-size objects: CPython's PyVarObject. ob_size is the number of
// items (a tuple's length, a list's length, a string's length, an instance's slots).
struct VarObject {
  Object ob_base;
  Py_ssize_t ob_size;
};

// Type flags (the CPython bits).
inline constexpr unsigned long kTpFlagsHaveGc = 1UL << 14;  // Py_TPFLAGS_HAVE_GC

// A type: CPython's PyTypeObject, cut down to what memory management uses. Types here are
// static C++ objects, not Python objects (they have no header and are not counted).
struct TypeObject {
  const char* tp_name = nullptr;
  Py_ssize_t tp_basicsize = 0;         // bytes of a fixed-size part, header included
  Py_ssize_t tp_itemsize = 0;          // bytes per item of a variable-size part (0: none)
  destructor tp_dealloc = nullptr;     // called by Dealloc when the count reaches 0
  traverseproc tp_traverse = nullptr;  // containers: visit each child (rule 8)
  inquiry tp_clear = nullptr;          // containers: drop each child reference (rule 8)
  destructor tp_finalize = nullptr;    // PEP 442 finalizer, at most once per object (rule 9)
  destructor tp_del = nullptr;         // legacy finalizer (__del__ before 3.4) (rule 9)
  unsigned long tp_flags = 0;
};

// ---- Immortality (rule 2) -----------------------------------------------------------------

// CPython 3.12, 64-bit: _Py_IMMORTAL_REFCNT = UINT_MAX.
inline constexpr Py_ssize_t kImmortalRefcnt = Py_ssize_t{0xFFFFFFFF};

// 3.12's _Py_IsImmortal on 64-bit: the low 32 bits of the count, read as a signed int, are
// negative. A mortal count never gets near 2^31.
inline bool IsImmortal(const Object* op) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(op->ob_refcnt)) < 0;
}
inline void SetImmortal(Object* op) { op->ob_refcnt = kImmortalRefcnt; }

// Py_REFCNT / Py_TYPE: the raw fields.
inline Py_ssize_t Refcnt(const Object* op) { return op->ob_refcnt; }
inline TypeObject* Type(const Object* op) { return op->ob_type; }
inline Py_ssize_t Size(const Object* op) { return reinterpret_cast<const VarObject*>(op)->ob_size; }
inline bool IsGc(const Object* op) { return (op->ob_type->tp_flags & kTpFlagsHaveGc) != 0; }

// ---- STUDENT: student/refcount.cc (rules 1-3, 5) ----------------------------------------------

void Incref(Object* op);
void Decref(Object* op);
void XIncref(Object* op);            // nullptr: nothing
void XDecref(Object* op);            // nullptr: nothing
Object* NewRef(Object* op);          // Incref(op); return op
Object* XNewRef(Object* op);         // the same, nullptr allowed
void Clear(Object** slot);           // Py_CLEAR: *slot = nullptr, then XDecref(old)
Py_ssize_t GetRefCount(Object* op);  // sys.getrefcount (rule 5)

// ---- Fatal errors (rule 3) ------------------------------------------------------------------

// Py_FatalError: reports `message` from `function` and stops. The default handler prints
// "Fatal Python error: FUNCTION: MESSAGE" to stderr and aborts. Tests install a handler that
// throws FatalErrorException; a handler that returns makes FatalError abort anyway.
using FatalErrorHandler = void (*)(const char* function, const std::string& message);
[[noreturn]] void FatalError(const char* function, const std::string& message);
// Installs `handler` (nullptr: the default) and returns the previous one.
FatalErrorHandler SetFatalErrorHandler(FatalErrorHandler handler);

// What ThrowingFatalErrorHandler throws. what() is "FUNCTION: MESSAGE".
class FatalErrorException : public std::runtime_error {
 public:
  FatalErrorException(const char* function, const std::string& message)
      : std::runtime_error(std::string(function) + ": " + message),
        function_(function),
        message_(message) {}
  const std::string& function() const { return function_; }
  const std::string& message() const { return message_; }

 private:
  std::string function_;
  std::string message_;
};
void ThrowingFatalErrorHandler(const char* function, const std::string& message);

// _Py_NegativeRefcount: FatalError("_Py_NegativeRefcount", "object has negative ref count").
[[noreturn]] void NegativeRefcount(Object* op);

// ---- Deallocation, allocation, accounting (rules 4, 8) --------------------------------------

// _Py_Dealloc: calls op's tp_dealloc. Decref calls this when the count reaches 0.
inline void Dealloc(Object* op) { op->ob_type->tp_dealloc(op); }

// Allocates and zero-fills an object of `type` with room for `nitems` items:
// tp_basicsize + nitems * tp_itemsize bytes, preceded by a zeroed (untracked) GcHead if the
// type has kTpFlagsHaveGc. Sets ob_type and ob_refcnt = 1 (a NEW reference), counts the
// object in LiveObjects() and its reference in TotalRefs(), and for GC types calls the
// on_alloc hook. ob_size is left 0. Never returns nullptr (throws std::bad_alloc).
Object* ObjectAlloc(TypeObject* type, Py_ssize_t nitems = 0);
// Releases the memory of an object ObjectAlloc made (its count must be 0, its children
// already released, and a GC object untracked). Calls the on_free hook for GC types.
void ObjectFree(Object* op);

// Debug-build totals (rule 4): 3.12's _Py_INCREF_IncRefTotal / _Py_DECREF_DecRefTotal
// (Objects/object.c). Called by Incref/Decref for mortal objects only.
void IncRefTotal();
void DecRefTotal();
std::int64_t TotalRefs();         // sys.gettotalrefcount() restricted to mortal objects
std::int64_t LiveObjects();       // allocated by ObjectAlloc and not freed
std::int64_t ObjectsAllocated();  // ObjectAlloc calls since the start
std::int64_t ObjectsFreed();      // ObjectFree calls since the start

// ---- The GC header (rule 8; used by lab 4) ----------------------------------------------------

// CPython's PyGC_Head. gc_next == 0 means "not tracked". The low 2 bits of gc_prev are
// flags (kGcPrevMaskFinalized, and one more lab 4 uses); the rest is a pointer, aligned.
struct GcHead {
  std::uintptr_t gc_next;
  std::uintptr_t gc_prev;
};
static_assert(sizeof(GcHead) == 16, "two words, like PyGC_Head");

inline constexpr std::uintptr_t kGcPrevMaskFinalized = 1;   // _PyGC_PREV_MASK_FINALIZED
inline constexpr std::uintptr_t kGcPrevMaskCollecting = 2;  // _PyGC_PREV_MASK_COLLECTING
inline constexpr std::uintptr_t kGcPrevFlagsMask = 3;

inline GcHead* AsGc(Object* op) { return reinterpret_cast<GcHead*>(op) - 1; }  // _Py_AS_GC
inline Object* FromGc(GcHead* gc) { return reinterpret_cast<Object*>(gc + 1); }
// The pointer part of gc_prev, and setting it while keeping the flag bits
// (_PyGCHead_PREV / _PyGCHead_SET_PREV). The trashcan chains deferred objects with these.
inline Object* GcGetPrev(Object* op) {
  return reinterpret_cast<Object*>(AsGc(op)->gc_prev & ~kGcPrevFlagsMask);
}
inline void GcSetPrev(Object* op, Object* prev) {
  GcHead* gc = AsGc(op);
  gc->gc_prev = (gc->gc_prev & kGcPrevFlagsMask) | reinterpret_cast<std::uintptr_t>(prev);
}
inline bool GcIsTracked(Object* op) { return AsGc(op)->gc_next != 0; }
inline bool GcIsFinalized(Object* op) { return (AsGc(op)->gc_prev & kGcPrevMaskFinalized) != 0; }
inline void GcSetFinalized(Object* op) { AsGc(op)->gc_prev |= kGcPrevMaskFinalized; }

// What lab 4 installs. Every pointer may be null (the default: no collector).
struct GcHooks {
  // Replace the default tracking (which marks gc_next with kGcTrackedNoList): link op into
  // / out of the collector's generation lists.
  void (*track)(Object* op) = nullptr;
  void (*untrack)(Object* op) = nullptr;
  // A GC object was allocated (count it towards generation 0; may schedule a collection,
  // must not run one) / is about to be freed.
  void (*on_alloc)(Object* op) = nullptr;
  void (*on_free)(Object* op) = nullptr;
};
inline constexpr std::uintptr_t kGcTrackedNoList = 1;
// Installs `hooks` and returns the previous ones.
GcHooks SetGcHooks(const GcHooks& hooks);

// PyObject_GC_Track: op must be a GC object, not yet tracked (tracking twice is a
// FatalError "object already tracked by the garbage collector").
void GcTrack(Object* op);
// PyObject_GC_UnTrack: untracks op if it is tracked; otherwise does nothing.
void GcUntrack(Object* op);
std::int64_t TrackedObjects();  // tracked now (kept by GcTrack / GcUntrack)

// ---- The trashcan (rule 7) ------------------------------------------------------------------

// CPython 3.12's _PyTrash_UNWIND_LEVEL: `#define _PyTrash_UNWIND_LEVEL 50` in Objects/object.c
// (private there since 3.11; up to 3.10 it was PyTrash_UNWIND_LEVEL in Include/object.h, later
// Include/cpython/object.h). 50 since the trashcan arrived in March 2000 (Python 1.6).
inline constexpr int kTrashcanDepth = 50;

// Per-thread trashcan state: CPython's tstate->trash (struct _py_trashcan).
struct TrashState {
  int delete_nesting = 0;          // container deallocators running on this thread now
  Object* delete_later = nullptr;  // deferred objects, chained through GcGetPrev
};
TrashState& Trash();  // this thread's

// STUDENT: student/trashcan.cc
// Returns true if the caller may deallocate op now; false if op was deposited on the
// delete_later list (the caller must return at once without touching op).
bool TrashcanBegin(Object* op);
void TrashcanEnd();

// ---- Finalizers (rule 9; used by lab 4) --------------------------------------------------------

// Runs op's tp_finalize (unless op is marked finalized; marks it) and then tp_del, each with
// op temporarily resurrected (count 1). Returns true if op was resurrected -- a finalizer
// stored a new reference, so the count stayed above 0 -- in which case op is tracked again
// (GC types) and the deallocator must return without freeing. Returns false otherwise (count
// back to 0). Finalizers must not throw.
bool RunFinalizersFromDealloc(Object* op);

}  // namespace refcount
