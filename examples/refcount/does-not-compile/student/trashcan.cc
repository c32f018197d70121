// The trashcan (rule 7): a first attempt, uploaded on its own.
#include "refcount/object.h"

namespace refcount {

bool TrashcanBegin(Object* op) {
  TrashState& state = Trash();
  if (state.delete_nesting >= kTrashcanDepth) {
    GcSetPrev(op, state.delete_later);
    state.delete_later = op;
    return false;
  }
  ++state.delete_nesting;
  return true;
}

void TrashcanEnd() {
  --Trash()->delete_nesting;
  if (Trash()->delete_nesting > 0 || Trash()->delete_later == nullptr) {
    return;
  }
  ++Trash()->delete_nesting;
  while (Object* op = Trash()->delete_later) {
    Trash()->delete_later = GcGetPrev(op);
    op->ob_type->tp_dealloc(op);
  }
  --Trash()->delete_nesting;
}

}  // namespace refcount
