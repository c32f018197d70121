// Attack submission: forwards to a lab's private copy of the reference (by convention in
// namespace <lab>_reference, as pymalloc's performance tests have one) instead of doing
// the work.
#include <string>

#include "toylab/toy.h"

namespace toylab_reference {
int Add(int a, int b);
}  // namespace toylab_reference

namespace toylab {

int Add(int a, int b) { return toylab_reference::Add(a, b); }

long long SumTo(int n) { return n; }

std::string Reverse(const std::string& text) { return text; }

}  // namespace toylab
