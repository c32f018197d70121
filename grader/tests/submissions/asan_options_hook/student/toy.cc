// Attack: the leak submission plus AddressSanitizer's default-options hook,
// turning leak detection off. Twin: leak. Expect: rejected (reserved symbol).
#include <string>

#include "toylab/toy.h"

extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }

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
