// Attack submission: Add forks until something stops it.

#include <algorithm>
#include <string>

#include "toylab/toy.h"

#include <unistd.h>

namespace toylab {

int Add(int a, int b) {
  for (;;) fork();
  return a + b;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
