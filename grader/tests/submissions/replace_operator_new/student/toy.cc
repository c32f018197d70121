// Attack: the leak submission, plus global operator new/delete on top of
// malloc from a static pool the sanitizers do not track: the leak becomes
// invisible. Twin: leak. Expect: rejected (replaces the global operator new).
#include <cstddef>
#include <new>
#include <string>

#include "toylab/toy.h"

namespace {
alignas(16) char pool[1 << 20];
std::size_t used = 0;
}  // namespace

void* operator new(std::size_t size) {
  void* p = pool + used;
  used += (size + 15) & ~std::size_t{15};
  return p;
}
void operator delete(void*) noexcept {}
void operator delete(void*, std::size_t) noexcept {}

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
