// Attack: the leak submission, telling LeakSanitizer to ignore what it
// allocates. Twin: leak. Expect: rejected (calls the sanitizers' interface).
#include <string>

#include "toylab/toy.h"

extern "C" void __lsan_disable();
extern "C" void __lsan_enable();

namespace toylab {

int* volatile last_sum = nullptr;

int Add(int a, int b) {
  __lsan_disable();
  last_sum = new int(a + b);
  __lsan_enable();
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
