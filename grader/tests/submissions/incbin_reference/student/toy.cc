// Attack: asm(".incbin") of the grader's cached reference results (the test
// fills in @REFERENCE_FILE@), then hands them to the student through
// Reverse's result in a public test's failure message. Twin: honest. Expect:
// the assembler cannot read it: a compile error, 0.
#include <string>

#include "toylab/toy.h"

asm(".section .rodata\n"
    ".global toylab_stolen\n"
    "toylab_stolen:\n"
    ".incbin \"@REFERENCE_FILE@\"\n"
    ".byte 0\n"
    ".text\n");
extern "C" const char toylab_stolen[];

namespace toylab {

int Add(int a, int b) { return a + b; }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string&) { return toylab_stolen; }

}  // namespace toylab
