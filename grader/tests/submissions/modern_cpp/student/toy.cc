// Not an attack: a correct solution that uses what real C++ code uses, each
// of which makes the compiler emit symbols beside the student's own: caught
// exception types (DW.ref.<typeinfo>), a thread_local with a constructor
// (its TLS init function), static locals (guard variables), virtual classes
// (vtables, typeinfo), an inline variable, lambdas in std::function, a mutex
// and an atomic, an operator<< and an extern "C" helper at global scope.
// Twin: honest. Expect: the same score.
#include "toylab/toy.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace toylab {

struct Operation {
  virtual ~Operation();
  virtual long long Apply(long long a, long long b) const = 0;
};
Operation::~Operation() = default;

struct Plus : Operation {
  long long Apply(long long a, long long b) const override { return a + b; }
};

inline int operations_done = 0;
thread_local std::vector<long long> recent_results;
std::mutex results_lock;
std::atomic<int> calls{0};

long long Checked(const Operation& op, long long a, long long b) {
  try {
    if (a > (1LL << 40)) throw std::out_of_range("too large for this toy");
    return op.Apply(a, b);
  } catch (const std::bad_alloc&) {
    return 0;
  } catch (const std::out_of_range&) {
    return op.Apply(a, b);
  }
}

int Add(int a, int b) {
  static const Plus plus;
  std::function<long long(long long, long long)> add = [](long long x, long long y) {
    return Checked(plus, x, y);
  };
  long long sum = add(a, b);
  std::lock_guard<std::mutex> guard(results_lock);
  recent_results.push_back(sum);
  ++operations_done;
  ++calls;
  return static_cast<int>(sum);
}

long long SumTo(int n) {
  static std::map<int, long long> memo;
  auto it = memo.find(n);
  if (it != memo.end()) return it->second;
  auto plus = std::make_unique<Plus>();
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum = plus->Apply(sum, i);
  memo[n] = sum;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab

std::ostream& operator<<(std::ostream& out, const toylab::Operation& op) {
  return out << "operation " << op.Apply(0, 0);
}

extern "C" int toy_debug_calls() { return toylab::calls.load(); }
