// grader/runner.cc: running tests and judging their results.
//
// Design: nothing the test process says about itself is trusted on its own.
// Its stdout can print "[  PASSED  ]", it can _exit(0) before the harness
// writes anything, and a static initialiser can steal the nonce before main()
// (see /work/shared/notes/sandboxing.md). So each test runs alone in its own
// sandboxed process and a pass needs all of: the records on the private pipe
// (right nonce, right test, START then exactly one END PASS and nothing else),
// exit status 0 on its own, no sanitizer report on stderr, no limit hit, and the
// reference's observation digest, which the student's code cannot know. Any of
// these missing gives one short reason a student can act on. Records with a
// wrong nonce are also flagged as tampering for the instructor. Test names are
// only ever taken from the reference build, so a submission cannot hide tests.
#include "grader/runner.h"

#include <fmt/format.h>
#include <string.h>

#include <cmath>
#include <random>
#include <regex>
#include <sstream>

#include "grader/build.h"
#include "grader/shared_dirs.h"

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSandboxBinDir = "/labkit/bin";
constexpr const char* kSandboxWorkDir = "/labkit/work";

std::vector<std::string> Split(std::string_view line, size_t max_parts) {
  std::vector<std::string> parts;
  size_t at = 0;
  while (at <= line.size() && parts.size() + 1 < max_parts) {
    size_t space = line.find(' ', at);
    if (space == std::string_view::npos) {
      break;
    }
    parts.emplace_back(line.substr(at, space - at));
    at = space + 1;
  }
  parts.emplace_back(line.substr(std::min(at, line.size())));
  return parts;
}

std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      char next = text[++i];
      out += next == 'n' ? '\n' : next;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string RandomHex(size_t bytes) {
  std::random_device random;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    out += fmt::format("{:02x}", random() & 0xff);
  }
  return out;
}

std::string FormatSeconds(double seconds) {
  const long whole = std::lround(seconds);
  return std::abs(seconds - static_cast<double>(whole)) < 1e-9 ? fmt::format("{}", whole)
                                                               : fmt::format("{:.1f}", seconds);
}

std::string Shorten(std::string text, size_t max) {
  if (text.size() > max) {
    text = text.substr(0, max) + "...";
  }
  return text;
}

// A short reason from the test's own failure messages.
std::string FailureReason(const std::vector<std::string>& messages) {
  static const std::regex not_implemented(R"(not implemented: ([^\s"()]+))");
  for (const auto& m : messages) {
    std::smatch match;
    if (std::regex_search(m, match, not_implemented)) {
      return "not implemented: " + match[1].str();
    }
  }
  if (messages.empty()) {
    return "failed";
  }
  std::string first = messages.front();
  // Drop the "file:line: " prefix the harness adds.
  static const std::regex where(R"(^[^\s:]+:\d+: )");
  first = std::regex_replace(first, where, "", std::regex_constants::format_first_only);
  for (char& c : first) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return "failed: " + Shorten(first, 200);
}

SandboxSpec TestSpec(const fs::path& binary, const RunOptions& options) {
  SandboxSpec spec;
  spec.mounts = {{binary.parent_path().string(), kSandboxBinDir, false},
                 {options.work_dir.string(), kSandboxWorkDir, true}};
  spec.working_dir = kSandboxWorkDir;
  spec.argv = {std::string(kSandboxBinDir) + "/" + binary.filename().string()};
  spec.env = {{"PATH", "/usr/bin:/bin"},
              {"LANG", "C"},
              {"HOME", kSandboxWorkDir},
              {"TMPDIR", kSandboxWorkDir},
              {"GTEST_COLOR", "no"}};
  for (auto& e : SanitizerEnvironment()) {
    spec.env.push_back(e);
  }
  spec.limits = options.limits;
  if (options.no_address_space_limit) {
    spec.limits.limit_address_space = false;
  }
  spec.group = options.group;
  return spec;
}

void MakeWorkDir(const RunOptions& options) {
  std::error_code ec;
  fs::remove_all(options.work_dir, ec);
  MakeSharedDir(options.work_dir, options.group, RunAccess::kWrite);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SanitizerEnvironment() {
  std::string code = std::to_string(kSanitizerExitCode);
  return {
      {"ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:abort_on_error=0:color=never:exitcode=" +
                           code + ":allocator_may_return_null=1:detect_odr_violation=0"},
      {"LSAN_OPTIONS", "exitcode=" + code + ":color=never"},
      {"UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:color=never:exitcode=" + code},
      {"TSAN_OPTIONS", "halt_on_error=1:color=never:exitcode=" + code},
  };
}

RecordCheck CheckRecords(std::string_view channel, std::string_view test, std::string_view nonce) {
  RecordCheck check;
  bool started = false, ended = false;
  auto forged = [&](std::string problem) {
    check.verdict = RecordCheck::Verdict::kForged;
    check.problem = std::move(problem);
    return check;
  };
  std::string text(channel);
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) {
      continue;
    }
    std::string kind = line.substr(0, line.find(' '));
    if (kind == "START") {
      auto p = Split(line, 3);
      if (p.size() != 3 || p[2] != nonce) {
        return forged(fmt::format("line {}: START with a wrong nonce", number));
      }
      if (p[1] != test) {
        return forged(fmt::format("line {}: START for another test ({})", number, p[1]));
      }
      if (started) {
        return forged(fmt::format("line {}: a second START", number));
      }
      started = true;
    } else if (kind == "FAIL_MSG") {
      auto p = Split(line, 4);
      if (p.size() != 4 || p[2] != nonce) {
        return forged(fmt::format("line {}: FAIL_MSG with a wrong nonce", number));
      }
      if (p[1] != test) {
        return forged(fmt::format("line {}: FAIL_MSG for another test", number));
      }
      if (!started || ended) {
        return forged(fmt::format("line {}: FAIL_MSG outside the test", number));
      }
      check.failure_messages.push_back(Unescape(p[3]));
    } else if (kind == "END") {
      auto p = Split(line, 7);
      if (p.size() != 7 || p[3] != nonce) {
        return forged(fmt::format("line {}: END with a wrong nonce", number));
      }
      if (p[1] != test) {
        return forged(fmt::format("line {}: END for another test", number));
      }
      if (!started) {
        return forged(fmt::format("line {}: END without START", number));
      }
      if (ended) {
        return forged(fmt::format("line {}: a second END", number));
      }
      ended = true;
      check.digest = p[4];
      try {
        check.observations = std::stoi(p[5]);
        check.fraction = std::stod(p[6]);
      } catch (...) {
        return forged(fmt::format("line {}: END with malformed numbers", number));
      }
      if (!(check.fraction >= 0 && check.fraction <= 1)) {
        return forged(fmt::format("line {}: fraction out of [0, 1]", number));
      }
      if (p[2] == "PASS") {
        check.verdict = RecordCheck::Verdict::kPass;
      } else if (p[2] == "FAIL") {
        check.verdict = RecordCheck::Verdict::kFail;
      } else if (p[2] == "SKIP") {
        check.verdict = RecordCheck::Verdict::kSkip;
      } else {
        return forged(fmt::format("line {}: END with status {}", number, p[2]));
      }
    } else {
      return forged(fmt::format("line {}: not a record", number));
    }
  }
  if (!ended) {
    check.verdict = RecordCheck::Verdict::kMissing;
    check.problem = started ? "START without END" : "no records";
  }
  return check;
}

std::string SanitizerReason(std::string_view stderr_text) {
  std::string text(stderr_text);
  static const std::regex leak(R"(ERROR: LeakSanitizer: detected memory leaks)");
  static const std::regex asan(R"(ERROR: AddressSanitizer: ([A-Za-z0-9_-]+))");
  static const std::regex tsan(R"(WARNING: ThreadSanitizer: ([A-Za-z0-9 _-]+?)( \(|\n|$))");
  static const std::regex ubsan(R"(runtime error: ([^\n]*))");
  static const std::regex other(R"(ERROR: (\w+Sanitizer): ([^\n]*))");
  std::smatch m;
  if (std::regex_search(text, m, asan)) {
    return "AddressSanitizer: " + m[1].str();
  }
  if (std::regex_search(text, m, leak)) {
    return "leaked memory (LeakSanitizer)";
  }
  if (std::regex_search(text, m, ubsan)) {
    return "undefined behaviour (UBSan): " + Shorten(m[1].str(), 120);
  }
  if (std::regex_search(text, m, tsan)) {
    return "ThreadSanitizer: " + m[1].str();
  }
  if (std::regex_search(text, m, other)) {
    return m[1].str() + ": " + Shorten(m[2].str(), 120);
  }
  return "";
}

std::vector<std::string> ParseTestList(std::string_view output) {
  std::vector<std::string> tests;
  std::string suite;
  std::string text(output);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) {
      line.resize(hash);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
      line.pop_back();
    }
    if (line.empty()) {
      continue;
    }
    if (line[0] != ' ') {
      if (line.back() == '.') {
        suite = line;  // "Suite." (other lines: noise)
      }
      continue;
    }
    std::string name = line.substr(line.find_first_not_of(' '));
    if (!suite.empty() && name.find(' ') == std::string::npos) {
      tests.push_back(suite + name);
    }
  }
  return tests;
}

std::vector<std::string> ListTests(const fs::path& trusted_binary, const RunOptions& options) {
  MakeWorkDir(options);
  SandboxSpec spec = TestSpec(trusted_binary, options);
  spec.argv.push_back("--gtest_list_tests");
  spec.limits.output_bytes = std::max<std::uint64_t>(spec.limits.output_bytes, 4ULL << 20);
  RunResult result = RunSandboxed(spec);
  std::error_code ec;
  fs::remove_all(options.work_dir, ec);
  if (!result.ExitedCleanly()) {
    throw GraderFault(fmt::format(
        "listing the tests of the reference build failed ({}): {} — is the kit built and "
        "does the reference solution link?",
        DescribeOutcome(result, spec.limits), Shorten(result.stderr_data, 2000)));
  }
  auto tests = ParseTestList(result.stdout_data);
  if (tests.empty()) {
    throw GraderFault("the reference build lists no tests; check the kit");
  }
  return tests;
}

TestRun RunTest(const fs::path& binary, const std::string& test, const RunOptions& options,
                const std::optional<std::string>& reference_digest) {
  TestRun run;
  run.name = test;
  MakeWorkDir(options);
  SandboxSpec spec = TestSpec(binary, options);
  spec.argv.push_back("--gtest_filter=" + test);
  // Fresh random fd numbers each run, so nothing can be hard-wired to them.
  std::mt19937 pick(std::random_device{}());
  int nonce_fd = 10 + static_cast<int>(pick() % 90);
  int result_fd = 100 + static_cast<int>(pick() % 100);
  std::string nonce = RandomHex(16);
  spec.env.push_back({"LABKIT_NONCE_FD", std::to_string(nonce_fd)});
  spec.env.push_back({"LABKIT_RESULT_FD", std::to_string(result_fd)});
  spec.inputs = {{nonce_fd, nonce + "\n"}};
  spec.outputs = {{result_fd}};

  RunResult result = RunSandboxed(spec);
  std::error_code ec;
  fs::remove_all(options.work_dir, ec);
  run.stdout_data = std::move(result.stdout_data);
  run.stderr_data = std::move(result.stderr_data);
  run.detail = result.detail;
  run.seconds = result.wall_seconds;
  run.cpu_seconds = result.cpu_seconds;
  std::string channel = result.channel_data.empty() ? "" : result.channel_data[0];
  RecordCheck records = CheckRecords(channel, test, nonce);
  run.failure_messages = records.failure_messages;
  run.digest = records.digest;
  run.tampered = records.verdict == RecordCheck::Verdict::kForged;
  if (run.tampered) {
    run.detail += " Records rejected: " + records.problem + ".";
  }

  const Limits& limits = spec.limits;
  std::string sanitizer = SanitizerReason(run.stderr_data);
  switch (result.outcome) {
    case Outcome::kSetupFailed:
      run.grader_fault = true;
      run.reason = "the grader could not run this test: " + result.detail;
      return run;
    case Outcome::kWallTimeout:
      run.reason = fmt::format("timed out after {} s", FormatSeconds(limits.wall_seconds));
      return run;
    case Outcome::kCpuLimit:
      run.reason =
          fmt::format("used more than {} s of CPU time", FormatSeconds(limits.cpu_seconds));
      return run;
    case Outcome::kMemoryLimit:
      run.reason = fmt::format("used more than {} MB of memory", limits.memory_bytes >> 20);
      return run;
    case Outcome::kOutputLimit:
      run.reason = fmt::format("printed more than {} KB of output", limits.output_bytes >> 10);
      return run;
    case Outcome::kFileSizeLimit:
      run.reason = fmt::format("wrote a file larger than {} MB", limits.file_size_bytes >> 20);
      return run;
    case Outcome::kSignaled:
      run.reason = !sanitizer.empty() ? sanitizer : "crashed with " + SignalName(result.signal);
      return run;
    case Outcome::kExited:
      break;
  }
  if (!sanitizer.empty()) {
    run.reason = sanitizer;
    return run;
  }
  switch (records.verdict) {
    case RecordCheck::Verdict::kForged:
    case RecordCheck::Verdict::kMissing:
      run.reason = "result record missing or forged";
      return run;
    case RecordCheck::Verdict::kFail:
      run.reason = FailureReason(records.failure_messages);
      return run;
    case RecordCheck::Verdict::kSkip:
      run.reason = "skipped";
      return run;
    case RecordCheck::Verdict::kPass:
      break;
  }
  if (result.exit_code == kSanitizerExitCode) {
    run.reason = "stopped by a sanitizer (exit status 23)";
    return run;
  }
  if (result.exit_code != 0) {
    run.reason = fmt::format("exited with status {} after the test", result.exit_code);
    return run;
  }
  if (reference_digest && *reference_digest != records.digest) {
    run.reason = "results differ from the reference";
    // Tests observe only what they assert, so a PASS with another digest is suspect.
    run.tampered = true;
    run.detail +=
        " PASS record whose digest differs from the reference's (forged, or the "
        "test observes a value it does not assert).";
    return run;
  }
  run.passed = true;
  run.fraction = records.fraction;
  return run;
}

}  // namespace labkit::grader
