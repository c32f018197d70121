// Attack: the leak submission, plus a static object whose destructor leaves
// with _exit(0): static destructors run before LeakSanitizer's at-exit check,
// so the check never runs. Twin: leak. Expect: the harness checks for leaks
// itself before it reports a pass: no more than the twin.
#include <unistd.h>

#include <string>

#include "toylab/toy.h"

namespace toylab {
namespace {

struct LeaveEarly {
  ~LeaveEarly() { _exit(0); }
};

LeaveEarly leave_early;

}  // namespace

int* volatile last_sum = nullptr;

int Add(int a, int b) {
  last_sum = new int(a + b);  // never deleted: the pointer is overwritten below
  int sum = *last_sum;
  last_sum = nullptr;
  return sum;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
