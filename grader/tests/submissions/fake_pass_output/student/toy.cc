// Attack submission: Add is wrong but prints GoogleTest's and the harness's success lines.

#include <algorithm>
#include <string>

#include "toylab/toy.h"

#include <cstdio>

namespace toylab {

int Add(int a, int b) {
  std::printf("[       OK ] AddPublic.Small (0 ms)\n[  PASSED  ] 1 test.\n");
  std::printf("END AddPublic.Small PASS 0 0 0 1.0\n");
  std::fprintf(stderr, "[  PASSED  ] 1 test.\n");
  return a - b;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
