// The trashcan: bounded C recursion when freeing deeply nested containers (REFERENCE
// SOLUTION).
//
// CPython 3.12's Objects/object.c: _PyTrash_begin, _PyTrash_end,
// _PyTrash_thread_deposit_object and _PyTrash_thread_destroy_chain (rule 7 in
// refcount/object.h).
#include "refcount/object.h"

namespace refcount {

bool TrashcanBegin(Object* op) {
  TrashState& trash = Trash();
  if (trash.delete_nesting >= kTrashcanDepth) {
    // Too deep: park op (count 0, untracked) on the delete_later list, chained through its
    // GC header, and let the outermost deallocator free it from a shallow stack.
    GcSetPrev(op, trash.delete_later);
    trash.delete_later = op;
    return false;
  }
  ++trash.delete_nesting;
  return true;
}

void TrashcanEnd() {
  TrashState& trash = Trash();
  --trash.delete_nesting;
  if (trash.delete_later == nullptr || trash.delete_nesting > 0) {
    return;
  }
  // Destroy the chain. The nesting goes up by one while we do, so that the deallocators we
  // call do not start destroying the chain themselves (recursively) when they end.
  ++trash.delete_nesting;
  while (trash.delete_later != nullptr) {
    Object* op = trash.delete_later;
    trash.delete_later = GcGetPrev(op);
    GcSetPrev(op, nullptr);
    op->ob_type->tp_dealloc(op);
  }
  --trash.delete_nesting;
}

}  // namespace refcount
