// Attack submission: calls the harness's scoring function directly, to claim full marks
// for every test it takes part in (and declares it by hand, needing no header).
#include <string>

#include "toylab/toy.h"

namespace labkit {
void ReportFraction(double fraction);
}  // namespace labkit

namespace toylab {

int Add(int a, int b) {
  labkit::ReportFraction(1.0);
  return a + b;
}

long long SumTo(int n) { return n; }

std::string Reverse(const std::string& text) { return text; }

}  // namespace toylab
