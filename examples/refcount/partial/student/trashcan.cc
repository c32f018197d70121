// The trashcan (an example submission: not done yet -- it only counts the nesting).
#include "refcount/object.h"

namespace refcount {

bool TrashcanBegin(Object* op) {
  (void)op;
  ++Trash().delete_nesting;  // TODO: defer when too deep
  return true;
}

void TrashcanEnd() { --Trash().delete_nesting; }

}  // namespace refcount
