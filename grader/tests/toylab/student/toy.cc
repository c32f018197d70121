// The toy lab's skeleton: every function is a TODO.
#include "toylab/toy.h"

#include "labkit/todo.h"

namespace toylab {

int Add(int, int) { LABKIT_TODO("toylab::Add"); }

long long SumTo(int) { LABKIT_TODO("toylab::SumTo"); }

std::string Reverse(const std::string&) { LABKIT_TODO("toylab::Reverse"); }

}  // namespace toylab
