// The main() of every lab test binary.
//
// Run by hand or by `bazel test`, it is GoogleTest's usual main. Run by the
// grader, it also reports each test's outcome on a private channel:
//
//   LABKIT_NONCE_FD   a pipe holding a one-time secret; read once at start, closed
//   LABKIT_RESULT_FD  a pipe to the grader; one line per event:
//       START <test> <nonce>
//       FAIL_MSG <test> <nonce> <message, newlines escaped>
//       END <test> <PASS|FAIL|SKIP> <nonce> <digest> <observations> <fraction>
//
// The grader runs one test per process and counts a test as passed only when it
// sees END ... PASS with the right nonce, the process exits 0 on its own within
// its limits, and the digest equals the reference's (see labkit/observe.h).
// Printing "[  PASSED  ]", calling _exit(0) mid-test or writing a report file
// therefore cannot turn a failing test into a pass.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "grader/harness/record.h"

namespace labkit::harness {
namespace {

TestRecord current_record;

int FdFromEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return -1;
  char* end = nullptr;
  long fd = std::strtol(value, &end, 10);
  if (*end != '\0' || fd < 0 || fd > 65535) return -1;
  return static_cast<int>(fd);
}

std::string ReadNonce(int fd) {
  char buffer[129] = {};
  size_t used = 0;
  while (used < sizeof(buffer) - 1) {
    ssize_t n = read(fd, buffer + used, sizeof(buffer) - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<size_t>(n);
  }
  close(fd);
  std::string nonce(buffer, used);
  while (!nonce.empty() && (nonce.back() == '\n' || nonce.back() == ' ')) nonce.pop_back();
  return nonce.empty() ? "missing" : nonce;
}

void WriteAll(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      continue;
    } else {
      out += c;
    }
  }
  return out;
}

class RecordListener : public testing::EmptyTestEventListener {
 public:
  RecordListener(int fd, std::string nonce) : fd_(fd), nonce_(std::move(nonce)) {}

  void OnTestStart(const testing::TestInfo& info) override {
    current_record = TestRecord{};
    current_test_ = Name(info);
    WriteAll(fd_, "START " + current_test_ + " " + nonce_ + "\n");
  }

  // GoogleTest holds its own lock while it calls this, so it must not call back
  // into UnitTest (current_test_info() would deadlock): the name comes from OnTestStart.
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::string where = result.file_name() ? std::string(result.file_name()) + ":" +
                                                 std::to_string(result.line_number()) + ": "
                                           : std::string();
    WriteAll(fd_, "FAIL_MSG " + current_test_ + " " + nonce_ + " " +
                      Escape(where + result.summary()) + "\n");
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    const testing::TestResult* result = info.result();
    const char* status = result->Skipped() ? "SKIP" : result->Passed() ? "PASS" : "FAIL";
    char digest[17];
    std::snprintf(digest, sizeof(digest), "%016llx",
                  static_cast<unsigned long long>(current_record.digest));
    char fraction[32];
    std::snprintf(fraction, sizeof(fraction), "%.6f", current_record.fraction);
    WriteAll(fd_, "END " + Name(info) + " " + status + " " + nonce_ + " " + digest + " " +
                      std::to_string(current_record.observations) + " " + fraction + "\n");
  }

 private:
  static std::string Name(const testing::TestInfo& info) {
    return std::string(info.test_suite_name()) + "." + info.name();
  }

  int fd_;
  std::string nonce_;
  std::string current_test_ = "?";
};

}  // namespace

TestRecord& CurrentTest() { return current_record; }

}  // namespace labkit::harness

int main(int argc, char** argv) {
  using namespace labkit::harness;
  testing::InitGoogleTest(&argc, argv);
  int nonce_fd = FdFromEnv("LABKIT_NONCE_FD");
  int result_fd = FdFromEnv("LABKIT_RESULT_FD");
  if (nonce_fd >= 0 && result_fd >= 0) {
    std::string nonce = ReadNonce(nonce_fd);
    fcntl(result_fd, F_SETFD, FD_CLOEXEC);
    testing::UnitTest::GetInstance()->listeners().Append(new RecordListener(result_fd, nonce));
  }
  return RUN_ALL_TESTS();
}
