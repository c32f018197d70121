// Attack submission: does not compile.
#include "toylab/toy.h"

namespace toylab {

int Add(int a, int b) { return a + b }

}  // namespace toylab
