// The trashcan (rule 7 of refcount/object.h): container deallocators nest at most
// kTrashcanDepth deep on the C stack; deeper ones are parked on this thread's delete_later
// stack, linked through their GC headers, and run later by the outermost deallocator.
#include "refcount/object.h"

namespace refcount {
namespace {

// Parks op at the top of the delete_later stack (no allocation: the link lives in op's
// own GC header).
void Park(TrashState& trash, Object* op) {
  GcSetPrev(op, trash.delete_later);
  trash.delete_later = op;
}

// Takes the most recently parked object off the stack (nullptr when there is none).
Object* Unpark(TrashState& trash) {
  Object* top = trash.delete_later;
  if (top != nullptr) {
    trash.delete_later = GcGetPrev(top);
  }
  return top;
}

// Runs every parked object's deallocator, one after another, at nesting 1 so that none of
// them starts draining the stack itself. A deallocator may park more objects; the loop
// picks those up too.
void Drain(TrashState& trash) {
  trash.delete_nesting += 1;
  for (Object* op = Unpark(trash); op != nullptr; op = Unpark(trash)) {
    Type(op)->tp_dealloc(op);
  }
  trash.delete_nesting -= 1;
}

}  // namespace

bool TrashcanBegin(Object* op) {
  TrashState& trash = Trash();
  if (trash.delete_nesting < kTrashcanDepth) {
    trash.delete_nesting += 1;
    return true;
  }
  Park(trash, op);
  return false;
}

void TrashcanEnd() {
  TrashState& trash = Trash();
  trash.delete_nesting -= 1;
  if (trash.delete_nesting <= 0 && trash.delete_later != nullptr) {
    Drain(trash);
  }
}

}  // namespace refcount
