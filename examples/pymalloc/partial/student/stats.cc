// pymalloc: the numbers behind sys._debugmallocstats(). Not started yet.
//
// TODO(student): implement GetStats (pymalloc/obmalloc.h rule 10 and the comment on
// struct Stats). CPython's version is _PyObject_DebugMallocStats in Objects/obmalloc.c:
// walk every arena that has memory, and in it every pool carved so far.
#include "labkit/todo.h"
#include "pymalloc/obmalloc.h"

namespace pymalloc {

Stats Allocator::GetStats() const {
  // TODO(student): rule 10.
  LABKIT_TODO("Allocator::GetStats");
}

}  // namespace pymalloc
