// Attack: its own malloc and free, which would hide every allocation (and
// leak) from AddressSanitizer. Twin: leak. Expect: rejected (reserved symbol).
#include <cstddef>
#include <string>

#include "toylab/toy.h"

namespace {
alignas(16) char pool[1 << 20];
std::size_t used = 0;
}  // namespace

extern "C" void* malloc(std::size_t size) {
  void* p = pool + used;
  used += (size + 15) & ~std::size_t{15};
  return p;
}
extern "C" void free(void*) {}

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
