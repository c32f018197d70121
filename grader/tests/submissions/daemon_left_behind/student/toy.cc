// Attack: leaves a daemon behind (fork, setsid, fork again), which would
// outlive the test and could watch or disturb the next ones. Twin: honest.
// Expect: the same score as the twin, and no process of it left afterwards.
#include <unistd.h>

#include <string>

#include "toylab/toy.h"

namespace toylab {

int Add(int a, int b) {
  if (fork() == 0) {
    setsid();
    if (fork() == 0) {
      for (;;) sleep(1000);
    }
    _exit(0);
  }
  return a + b;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
