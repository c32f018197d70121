// Attack: the leak submission, plus a function in .preinit_array, which runs
// before the program's constructors (and could change what the sanitizers
// and the harness see). Twin: leak. Expect: rejected (a .preinit_array section).
#include <string>

#include "toylab/toy.h"

namespace toylab {
namespace {

void Early(int, char**, char**) {}

__attribute__((section(".preinit_array"), used)) void (*const early)(int, char**, char**) = Early;

}  // namespace

int* volatile last_sum = nullptr;

int Add(int a, int b) {
  last_sum = new int(a + b);  // never deleted: the pointer is overwritten below
  int sum = *last_sum;
  last_sum = nullptr;
  return sum;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
