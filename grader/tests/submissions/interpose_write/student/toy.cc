// Attack: the leak submission, plus its own write(), which the harness's and
// the sanitizers' writes would go through: it drops every sanitizer report.
// Twin: leak. Expect: rejected (a symbol the grader reserves).
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "toylab/toy.h"

extern "C" ssize_t write(int fd, const void* data, size_t size) {
  if (fd == 2) return static_cast<ssize_t>(size);  // swallow stderr
  return syscall(SYS_write, fd, data, size);
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
