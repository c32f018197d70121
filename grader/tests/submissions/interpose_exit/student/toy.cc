// Attack: its own _exit(), which the sanitizers call to report an error with
// their exit status: it always exits 0. Twin: leak. Expect: rejected.
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "toylab/toy.h"

extern "C" void _exit(int) {
  syscall(SYS_exit_group, 0);
  __builtin_unreachable();
}

namespace toylab {

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
