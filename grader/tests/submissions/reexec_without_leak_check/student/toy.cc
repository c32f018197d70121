// Attack: the leak submission, plus a static initialiser that runs the test
// binary again, before main() has read the nonce, with leak detection off in
// its environment: the new process would inherit the unread nonce pipe and
// report for real. It uses only open/read and syscall(), which the object
// rules allow (no setenv, no exec*). Twin: leak. Expect: the exec fails (the
// harness's seccomp filter), the leak is still found: no more than the twin.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "toylab/toy.h"

namespace toylab {
namespace {

// The NUL-separated contents of a /proc/self file, split.
std::vector<std::string> ReadList(const char* path) {
  std::string data(1 << 16, '\0');
  int fd = open(path, O_RDONLY);
  if (fd < 0) return {};
  ssize_t n = read(fd, data.data(), data.size());
  close(fd);
  std::vector<std::string> items;
  for (ssize_t at = 0; at < n;) {
    std::string item(data.c_str() + at);
    at += static_cast<ssize_t>(item.size()) + 1;
    items.push_back(item);
  }
  return items;
}

struct Reexec {
  Reexec() {
    std::vector<std::string> args = ReadList("/proc/self/cmdline");
    std::vector<std::string> env = ReadList("/proc/self/environ");
    for (std::string& e : env) {
      if (e == "LABKIT_ATTACK_AGAIN=1") return;  // this is the second run
      if (e.rfind("ASAN_OPTIONS=", 0) == 0) e = "ASAN_OPTIONS=detect_leaks=0";
    }
    env.push_back("LABKIT_ATTACK_AGAIN=1");
    std::vector<char*> argv, envp;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    syscall(SYS_execve, "/proc/self/exe", argv.data(), envp.data());
  }
};

Reexec reexec;

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
