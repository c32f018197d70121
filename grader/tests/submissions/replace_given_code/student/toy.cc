// Attack: replace a function of the lab's given code that a test trusts.
// toylab::CommonPrefixLength is given (linked from the kit's archive); a
// definition of the same name in the submission is found first, so the
// archive's is never pulled in, and this one says every prefix matches.
// Twin: reverse_breaks_palindromes. Expect: rejected, with the rule named.
#include "toylab/toy.h"

#include <algorithm>
#include <string>

namespace toylab {

int Add(int a, int b) { return a + b; }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) {
  std::string reversed(text.rbegin(), text.rend());
  return reversed == text ? std::string() : reversed;
}

int CommonPrefixLength(const std::string& a, const std::string& b) {
  return static_cast<int>(std::max(a.size(), b.size()));
}

}  // namespace toylab
