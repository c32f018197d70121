// Submission: the honest full solution, nested as an LMS would.
#include <algorithm>

#include "toylab/toy.h"

namespace toylab {

int Add(int a, int b) { return a + b; }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
