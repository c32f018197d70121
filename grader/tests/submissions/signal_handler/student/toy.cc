// Attack: a crash handler that hides a crash: on SIGSEGV it returns from the
// faulting function with a made-up answer. Twin: honest. Expect: rejected
// (calls sigaction).
#include <signal.h>

#include <string>

#include "toylab/toy.h"

namespace toylab {
namespace {

void Ignore(int) {}

struct Install {
  Install() {
    struct sigaction action = {};
    action.sa_handler = Ignore;
    sigaction(SIGSEGV, &action, nullptr);
  }
};

Install install;

}  // namespace

int Add(int a, int b) { return a + b; }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
