// Attack submission: Add never returns.

#include <algorithm>
#include <string>

#include "toylab/toy.h"



namespace toylab {

int Add(int a, int b) {
  volatile unsigned long spin = 0;
  for (;;) ++spin;
  return a + b;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
