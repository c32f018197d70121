// A rule, not an attack: an external helper outside namespace toylab (it
// could collide with, or interpose on, anything of the same name). Twin:
// honest. Expect: rejected, with the rule named.
#include <string>

#include "toylab/toy.h"

int add_helper(int a, int b) { return a + b; }

namespace toylab {

int Add(int a, int b) { return add_helper(a, b); }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
