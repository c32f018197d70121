// Not an attack: a correct solution whose helpers live at global scope, as
// C-style code often does (a free function and a global variable). Names of
// the student's own there are allowed. Twin: honest. Expect: the same score.
#include "toylab/toy.h"

#include <string>

int calls_to_add = 0;

int add_helper(int a, int b) {
  ++calls_to_add;
  return a + b;
}

struct Accumulator {
  long long total = 0;
  void Take(int value);
};

void Accumulator::Take(int value) { total += value; }

namespace toylab {

int Add(int a, int b) { return add_helper(a, b); }

long long SumTo(int n) {
  Accumulator sum;
  for (int i = 1; i <= n; ++i) sum.Take(i);
  return sum.total;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
