// The trashcan: bounded C recursion when freeing deeply nested containers. YOUR CODE GOES
// HERE.
//
// Rule 7 in refcount/object.h is the specification; CPython 3.12's Objects/object.c
// (_PyTrash_begin, _PyTrash_end, _PyTrash_thread_deposit_object,
// _PyTrash_thread_destroy_chain) is the model, about 40 lines. Trash() is this thread's state.
//
// Ground rules:
//   - Deferred objects are chained through their GC header: GcSetPrev(op, next) and
//     GcGetPrev(op). No other memory: the chain may hold many objects.
//   - The chain is destroyed by the outermost deallocator only, in a loop.
#include "labkit/todo.h"
#include "refcount/object.h"

namespace refcount {

bool TrashcanBegin([[maybe_unused]] Object* op) {
  // TODO(student): _PyTrash_begin.
  //   - If this thread's delete_nesting has reached kTrashcanDepth: push op on the front of
  //     delete_later (chained with GcSetPrev) and return false -- the deallocator that
  //     called us returns at once, and op is freed later.
  //   - Otherwise: one more level of nesting, return true.
  LABKIT_TODO("TrashcanBegin");
}

void TrashcanEnd() {
  // TODO(student): _PyTrash_end.
  //   - One level of nesting fewer.
  //   - If objects are waiting in delete_later and the nesting is now <= 0, destroy them:
  //     raise the nesting by one for the duration (so the deallocators you call do not
  //     start destroying the chain themselves), then repeatedly take the head of
  //     delete_later (unlink it first!) and call its type's tp_dealloc, until the list is
  //     empty; then lower the nesting again.
  LABKIT_TODO("TrashcanEnd");
}

}  // namespace refcount
