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
//
// Two more things keep the grader's settings out of the student's reach
// (grader/object_rules.h keeps the rest):
//   - Before any student code runs (from .preinit_array, which submissions may
//     not use), a seccomp filter makes execve/execveat fail: the process cannot
//     start itself again with other sanitizer settings in its environment.
//   - LeakSanitizer's check normally runs at exit, which a program can skip
//     (_exit from a static destructor). The harness runs it itself at the end
//     of each test, before it reports, and reports FAIL if it finds a leak.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "grader/harness/record.h"

// LeakSanitizer's interface, when the runtime is linked in (AddressSanitizer
// builds); weak, so other builds link without it.
// NOLINTNEXTLINE(bugprone-reserved-identifier): the runtime's own name.
extern "C" int __lsan_do_recoverable_leak_check() __attribute__((weak));

namespace labkit::harness {
namespace {

TestRecord current_record;

// execve and execveat fail with EPERM from here on, in this process and its
// children. Anything else is allowed. Installed before any constructor runs.
void ForbidExec(int, char**, char**) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // another ABI: not ours to judge
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
  };
  struct sock_fprog program = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]),
                               filter};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
}

// Runs before every constructor of the program (the sanitizers' own
// initialisation comes first: GCC links their .preinit_array entry first).
__attribute__((section(".preinit_array"), used)) void (*const forbid_exec)(int, char**,
                                                                           char**) = ForbidExec;

int FdFromEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return -1;
  }
  char* end = nullptr;
  long fd = std::strtol(value, &end, 10);
  if (*end != '\0' || fd < 0 || fd > 65535) {
    return -1;
  }
  return static_cast<int>(fd);
}

std::string ReadNonce(int fd) {
  char buffer[129] = {};
  size_t used = 0;
  while (used < sizeof(buffer) - 1) {
    ssize_t n = read(fd, buffer + used, sizeof(buffer) - 1 - used);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    used += static_cast<size_t>(n);
  }
  close(fd);
  std::string nonce(buffer, used);
  while (!nonce.empty() && (nonce.back() == '\n' || nonce.back() == ' ')) {
    nonce.pop_back();
  }
  return nonce.empty() ? "missing" : nonce;
}

void WriteAll(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
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
    if (!result.failed()) {
      return;
    }
    std::string where = result.file_name() ? std::string(result.file_name()) + ":" +
                                                 std::to_string(result.line_number()) + ": "
                                           : std::string();
    WriteAll(fd_, "FAIL_MSG " + current_test_ + " " + nonce_ + " " +
                      Escape(where + result.summary()) + "\n");
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    const testing::TestResult* result = info.result();
    const char* status = result->Skipped() ? "SKIP" : result->Passed() ? "PASS" : "FAIL";
    // The test object is gone by now: whatever it allocated and nothing
    // reaches is a leak (the report goes to stderr, where the grader reads it).
    if (__lsan_do_recoverable_leak_check != nullptr && __lsan_do_recoverable_leak_check() != 0) {
      WriteAll(fd_, "FAIL_MSG " + current_test_ + " " + nonce_ + " " +
                        Escape("LeakSanitizer found memory leaked by the end of the test") + "\n");
      status = "FAIL";
    }
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
