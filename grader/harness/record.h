// The per-test record a test binary sends to the grader (see harness_main.cc).
#pragma once

#include <cstdint>
#include <string_view>

namespace labkit::harness {

struct TestRecord {
  // FNV-1a over every observation, each preceded by its length so that
  // ("ab","c") and ("a","bc") differ.
  std::uint64_t digest = 14695981039346656037ULL;
  double fraction = 1.0;
  int observations = 0;

  void Fold(std::string_view bytes) {
    FoldByte(bytes.size() & 0xff);
    FoldByte((bytes.size() >> 8) & 0xff);
    for (unsigned char c : bytes) FoldByte(c);
    ++observations;
  }

 private:
  void FoldByte(unsigned byte) {
    digest ^= byte;
    digest *= 1099511628211ULL;
  }
};

// The record of the test that is running now.
TestRecord& CurrentTest();

}  // namespace labkit::harness
