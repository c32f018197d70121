// Attack: the leak submission plus a default suppression list that hides every
// leak in namespace toylab. Twin: leak. Expect: rejected (reserved symbol).
#include <string>

#include "toylab/toy.h"

extern "C" const char* __lsan_default_suppressions() { return "leak:toylab\n"; }

namespace toylab {

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
