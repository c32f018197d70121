// grader/runner.h: list and run a test binary's tests, one sandboxed process each.
//
// The protocol is harness_main.cc's: a nonce on LABKIT_NONCE_FD, records back on
// LABKIT_RESULT_FD. A test passes only with exactly one START and one END ... PASS
// record carrying the right nonce, a clean exit 0 of its own, no sanitizer report,
// no limit hit, and (when known) the reference's observation digest.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grader/sandbox.h"

namespace labkit::grader {

// What a test's records say, checked against the test name and the nonce.
struct RecordCheck {
  enum class Verdict { kPass, kFail, kSkip, kMissing, kForged };
  Verdict verdict = Verdict::kMissing;
  std::string digest;
  int observations = 0;
  double fraction = 1.0;
  std::vector<std::string> failure_messages;  // FAIL_MSG texts, unescaped
  std::string problem;                        // why kMissing/kForged, for the instructor
};

RecordCheck CheckRecords(std::string_view channel, std::string_view test, std::string_view nonce);

// The first sanitizer report in a program's stderr, as a short reason
// ("AddressSanitizer: heap-use-after-free", "leaked memory (LeakSanitizer)"), or "".
std::string SanitizerReason(std::string_view stderr_text);

// Test names (Suite.Name) from `--gtest_list_tests` output.
std::vector<std::string> ParseTestList(std::string_view output);

struct TestRun {
  std::string name;
  bool passed = false;
  double fraction = 0;                        // of the test's points, when passed
  std::string reason;                         // short, for people; empty when passed
  std::vector<std::string> failure_messages;  // the test's own assertion messages
  std::string digest;
  bool tampered = false;      // records with a wrong nonce or for another test
  bool grader_fault = false;  // the sandbox could not run it
  bool not_run = false;       // the submission's time budget ran out first
  // For the instructor only: never shown for hidden tests.
  std::string stdout_data;
  std::string stderr_data;
  std::string detail;      // the sandbox's account of the run
  double seconds = 0;      // wall-clock
  double cpu_seconds = 0;  // of the whole process tree
};

struct RunOptions {
  Limits limits;
  bool no_address_space_limit = false;  // ASan/TSan binary: no RLIMIT_AS
  std::filesystem::path work_dir;       // scratch space for this run (created, then removed)
  std::optional<gid_t> group;           // as root: the grade group (shared_dirs.h)
};

// Runs `--gtest_list_tests` on a TRUSTED binary (the reference build) in the sandbox.
// Throws GraderFault when it cannot.
std::vector<std::string> ListTests(const std::filesystem::path& trusted_binary,
                                   const RunOptions& options);

// Runs one test. `reference_digest` is the reference's digest for it, when known.
TestRun RunTest(const std::filesystem::path& binary, const std::string& test,
                const RunOptions& options, const std::optional<std::string>& reference_digest);

// The sanitizer settings every run uses (ASAN_OPTIONS and friends).
std::vector<std::pair<std::string, std::string>> SanitizerEnvironment();

// Exit status the sanitizers are told to use.
inline constexpr int kSanitizerExitCode = 23;

}  // namespace labkit::grader
