// Attack: Add is an indirect function; its resolver runs while the dynamic
// linker relocates the program, before the sanitizers, the harness and every
// constructor. Twin: honest. Expect: rejected (an IFUNC).
#include <string>

#include "toylab/toy.h"

namespace toylab {
namespace {

int AddImpl(int a, int b) { return a + b; }

extern "C" void* ResolveAdd() { return reinterpret_cast<void*>(&AddImpl); }

}  // namespace

int Add(int a, int b) __attribute__((ifunc("ResolveAdd")));

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
