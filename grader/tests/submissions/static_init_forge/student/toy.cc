// Attack submission: a static initialiser steals the nonce and forges PASS records, then exits 0.

#include <algorithm>
#include <string>

#include "toylab/toy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

namespace toylab {

namespace {

// Runs before main(): reads the nonce first, writes a perfect-looking record
// for the test named in --gtest_filter, and leaves before any test runs.
struct Forger {
  Forger() {
    const char* nonce_fd = std::getenv("LABKIT_NONCE_FD");
    const char* result_fd = std::getenv("LABKIT_RESULT_FD");
    if (!nonce_fd || !result_fd) return;
    char nonce[129] = {};
    ssize_t n = read(std::atoi(nonce_fd), nonce, sizeof(nonce) - 1);
    if (n <= 0) return;
    nonce[std::strcspn(nonce, "\n")] = 0;
    std::ifstream cmdline("/proc/self/cmdline");
    std::string arg, test = "AddPublic.Small";
    while (std::getline(cmdline, arg, '\0')) {
      if (arg.rfind("--gtest_filter=", 0) == 0) test = arg.substr(15);
    }
    std::string records = "START " + test + " " + nonce + "\n" + "END " + test + " PASS " +
                          nonce + " cbf29ce484222325 0 1.000000\n";
    write(std::atoi(result_fd), records.data(), records.size());
    _exit(0);
  }
} forger;

}  // namespace

int Add(int a, int b) { return a - b; }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
