// Submission: Reverse reads memory it has freed.
#include <algorithm>
#include <string>

#include "toylab/toy.h"

namespace toylab {

int Add(int a, int b) { return a + b; }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) {
  char* buffer = new char[text.size() + 1];
  std::copy(text.rbegin(), text.rend(), buffer);
  buffer[text.size()] = 0;
  delete[] buffer;
  return std::string(buffer, text.size());
}

}  // namespace toylab
