// Attack submission: Add allocates and touches 16 GiB.

#include <algorithm>
#include <string>

#include "toylab/toy.h"

#include <cstring>
#include <memory>

namespace toylab {

int Add(int a, int b) {
  const size_t size = 16ULL << 30;
  std::unique_ptr<char[]> block(new char[size]);
  std::memset(block.get(), 1, size);
  return a + b + block[size - 1] - 1;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
