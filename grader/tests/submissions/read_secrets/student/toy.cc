// Attack: at run time, reads what a test must never see -- the reference
// solution, the hidden tests' source, the grader's cached reference results,
// the staged hidden tests, the other submissions' work directories (the test
// fills in the paths) -- and writes into the reference cache to poison the
// next grade. Whatever it gets, it hands to the student through Reverse's
// result, which a failing public test shows. Twin: honest. Expect: every
// attempt is refused ("DENIED"), in both sandbox modes.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "toylab/toy.h"

namespace toylab {
namespace {

std::string Try(const std::string& path) {
  if (DIR* dir = opendir(path.c_str())) {
    std::string names;
    while (dirent* entry = readdir(dir)) names += std::string(entry->d_name) + " ";
    closedir(dir);
    return "READ " + path + ": " + names + "\n";
  }
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "DENIED " + path + "\n";
  char buffer[256] = {};
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n < 0) return "DENIED " + path + "\n";
  return "READ " + path + ": " + std::string(buffer, static_cast<size_t>(n)) + "\n";
}

std::string TryWrite(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0) return "DENIED " + path + "\n";
  ssize_t n = write(fd, "{}", 2);
  close(fd);
  return (n == 2 ? "WROTE " : "DENIED ") + path + "\n";
}

}  // namespace

int Add(int a, int b) { return a + b; }

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string&) {
  std::string report = Try("@SOLUTION_FILE@") + Try("@SOLUTION_DIR@") + Try("@HIDDEN_TEST_FILE@") +
                       Try("@HIDDEN_DIR@") + Try("@REFERENCE_FILE@") + Try("@REFERENCE_DIR@") +
                       Try("@HIDDEN_KIT_LIBS@") + Try("@WORK_DIR@") +
                       TryWrite("@REFERENCE_DIR@/poison.json") +
                       TryWrite("@REFERENCE_FILE@");
  std::fputs(report.c_str(), stdout);
  return report;
}

}  // namespace toylab
