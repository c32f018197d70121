// Attack submission: Add prints a gigabyte.

#include <algorithm>
#include <string>

#include "toylab/toy.h"

#include <cstdio>
#include <string>

namespace toylab {

int Add(int a, int b) {
  std::string line(1 << 20, 'x');
  for (int i = 0; i < 1024; ++i) std::fwrite(line.data(), 1, line.size(), stdout);
  return a + b;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
