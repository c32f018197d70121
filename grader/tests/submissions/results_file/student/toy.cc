// Attack submission: Add writes fake result files wherever it can, then returns a wrong answer.

#include <algorithm>
#include <string>

#include "toylab/toy.h"

#include <fstream>

namespace toylab {

int Add(int a, int b) {
  const char* json = R"({"score": 100, "tests": []})";
  for (const char* path : {"results.json", "test_detail.xml", "/tmp/results.json",
                           "/autograder/results/results.json", "../results.json"}) {
    std::ofstream(path) << json;
  }
  std::ofstream("test_detail.xml") << "<testsuites tests=\"1\" failures=\"0\"/>";
  return a * b;
}

long long SumTo(int n) {
  long long sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

std::string Reverse(const std::string& text) { return std::string(text.rbegin(), text.rend()); }

}  // namespace toylab
