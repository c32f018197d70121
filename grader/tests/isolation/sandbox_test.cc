// Tests of grader/sandbox.h against adversarial programs (helpers/*.cc).
//
// The helpers are copied out of the runfiles (under /root, which the sandbox
// cannot traverse) into a fresh 0755 directory under /tmp, mounted read-only
// at /helpers. Every test is run in both isolation modes where it makes sense
// (TEST_P over Isolation), and checks the Outcome, not durations, with
// generous limits so that a loaded 2-core machine cannot make them flaky.
// After each run the fixture checks that no process of a sandbox uid is left
// and that the grader can still run a normal program.
#include "grader/sandbox.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "grader/sandbox_ids.h"
#include "gtest/gtest.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

constexpr gid_t kNoGroup = 65534;  // the group of runs that name none

// Under --config=sanitize the helpers are AddressSanitizer binaries, which
// reserve terabytes of address space: RLIMIT_AS must stay off for them, as for
// students' sanitizer builds.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kHelpersUseAsan = true;
#else
constexpr bool kHelpersUseAsan = false;
#endif

const char* const kHelpers[] = {
    "busy_loop",     "channel_echo", "fd_writer",      "file_probe",     "fork_bomb",
    "fork_some",     "memory_hog",   "network_probe",  "print_gigabyte", "setsid_escapee",
    "sleep_forever", "well_behaved", "write_big_file",
};

fs::path RunfilesDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) {
    return {};
  }
  return fs::path(srcdir) / workspace / "grader/tests/isolation";
}

// Processes of the sandbox uids still alive, and zombies of them that the
// grader (a subreaper) failed to reap. Zombies of other parents are not ours:
// this container's init does not reap, so earlier manual runs may have left some.
std::vector<std::string> SandboxUidProcesses() {
  std::vector<std::string> found;
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    struct stat st;
    if (stat(entry.path().c_str(), &st) != 0 || !SandboxIds().IsRunUid(st.st_uid)) {
      continue;
    }
    // Other graders may be running sandboxes on this machine: only our
    // helpers (and our own unreaped children) count.
    std::ifstream comm_file(entry.path() / "comm");
    std::string comm;
    std::getline(comm_file, comm);
    bool ours = std::find(std::begin(kHelpers), std::end(kHelpers), comm) != std::end(kHelpers);
    std::ifstream stat_file(entry.path() / "stat");
    std::string line;
    std::getline(stat_file, line);
    std::size_t close_paren = line.rfind(')');
    if (close_paren == std::string::npos) {
      continue;
    }
    char state = '?';
    int ppid = 0;
    std::sscanf(line.c_str() + close_paren + 1, " %c %d", &state, &ppid);
    if (state == 'Z' && ppid != getpid()) {
      continue;
    }
    if (!ours && ppid != getpid()) {
      continue;
    }
    found.push_back(name + " " + line.substr(0, close_paren + 1) + " " + state);
  }
  return found;
}

int OpenFdCount() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

class SandboxTest : public ::testing::TestWithParam<Isolation> {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) {
      return;
    }
    char pattern[] = "/tmp/labkit-isolation-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    work_dir_ = new fs::path(pattern);
    fs::permissions(*work_dir_, fs::perms(0755));
    fs::create_directory(*work_dir_ / "helpers");
    fs::permissions(*work_dir_ / "helpers", fs::perms(0755));
    for (const char* helper : kHelpers) {
      fs::copy_file(RunfilesDir() / helper, *work_dir_ / "helpers" / helper);
      fs::permissions(*work_dir_ / "helpers" / helper, fs::perms(0755));
    }
  }

  static void TearDownTestSuite() {
    if (work_dir_ != nullptr) {
      fs::remove_all(*work_dir_);
    }
    delete work_dir_;
    work_dir_ = nullptr;
  }

  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root: the sandbox switches to its own uids (run outside Bazel's "
                      "sandbox as root)";
    }
    // A scratch directory the program may write, fresh per test.
    scratch_ = *work_dir_ / ("scratch-" + std::to_string(counter_++));
    fs::create_directory(scratch_);
    // Writable for the runs' group (each run has a uid of its own).
    chown(scratch_.c_str(), 0, kNoGroup);
    fs::permissions(scratch_, fs::perms(0770));
  }

  void TearDown() override {
    if (geteuid() != 0) {
      return;
    }
    EXPECT_EQ(SandboxUidProcesses(), std::vector<std::string>{})
        << "processes of a sandbox uid survived the run";
    // The grader survived and can still run a program.
    SandboxSpec spec = Spec("well_behaved", {"exit", "0"});
    RunResult after = RunSandboxedWith(spec, GetParam());
    EXPECT_TRUE(after.ExitedCleanly()) << after.detail << "\n" << after.stderr_data;
  }

  // A spec running /helpers/<helper> with the test's mounts and limits a
  // loaded machine cannot trip by accident.
  SandboxSpec Spec(const std::string& helper, std::vector<std::string> args = {}) const {
    SandboxSpec spec;
    spec.argv = {"/helpers/" + helper};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = {{"PATH", "/usr/bin:/bin"}, {"LABKIT_TEST", "yes"}};
    spec.mounts = {{(*work_dir_ / "helpers").string(), "/helpers", false},
                   {scratch_.string(), "/scratch", true}};
    spec.working_dir = "/scratch";
    spec.limits.wall_seconds = 20;
    spec.limits.cpu_seconds = 10;
    spec.limits.memory_bytes = 512ULL << 20;
    spec.limits.output_bytes = 256UL * 1024;
    spec.limits.file_size_bytes = 16ULL << 20;
    spec.limits.max_processes = 32;
    spec.limits.limit_address_space = !kHelpersUseAsan;
    return spec;
  }

  RunResult Run(const SandboxSpec& spec) { return RunSandboxedWith(spec, GetParam()); }

  static fs::path* work_dir_;
  static int counter_;
  fs::path scratch_;
};

fs::path* SandboxTest::work_dir_ = nullptr;
int SandboxTest::counter_ = 0;

std::string Show(const RunResult& result) {
  return result.detail + "\nstdout: " + result.stdout_data.substr(0, 2000) +
         "\nstderr: " + result.stderr_data.substr(0, 2000);
}

TEST_P(SandboxTest, WellBehavedProgramExitsWithItsCode) {
  RunResult result = Run(Spec("well_behaved", {"exit", "3"}));
  EXPECT_EQ(result.outcome, Outcome::kExited) << Show(result);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.stdout_data, "hello from stdout\n");
  EXPECT_EQ(result.stderr_data, "hello from stderr\n");
  EXPECT_EQ(result.isolation, GetParam());
  EXPECT_GT(result.peak_rss_bytes, 0u);
  EXPECT_EQ(result.detail.find("exited with status 3"), 0u) << result.detail;
}

TEST_P(SandboxTest, CleanExitIsExitedCleanly) {
  RunResult result = Run(Spec("well_behaved"));
  EXPECT_TRUE(result.ExitedCleanly()) << Show(result);
}

TEST_P(SandboxTest, SignalIsReported) {
  // SIGTERM, not SIGSEGV: AddressSanitizer (--config=sanitize) handles SEGV.
  RunResult result = Run(Spec("well_behaved", {"signal", "15"}));
  EXPECT_EQ(result.outcome, Outcome::kSignaled) << Show(result);
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_EQ(result.detail.find("killed by SIGTERM"), 0u) << result.detail;
}

TEST_P(SandboxTest, AbortIsASignal) {
  RunResult result = Run(Spec("well_behaved", {"abort"}));
  EXPECT_EQ(result.outcome, Outcome::kSignaled) << Show(result);
  EXPECT_EQ(result.signal, SIGABRT);
}

TEST_P(SandboxTest, UncaughtBadAllocIsAMemoryLimit) {
  RunResult result = Run(Spec("well_behaved", {"bad_alloc"}));
  EXPECT_EQ(result.outcome, Outcome::kMemoryLimit) << Show(result);
}

TEST_P(SandboxTest, EnvironmentIsExactlyTheSpecs) {
  RunResult result = Run(Spec("well_behaved", {"env", "LABKIT_TEST"}));
  EXPECT_NE(result.stdout_data.find("LABKIT_TEST=yes"), std::string::npos) << Show(result);
  result = Run(Spec("well_behaved", {"env", "HOME"}));
  EXPECT_NE(result.stdout_data.find("HOME=(unset)"), std::string::npos) << Show(result);
}

TEST_P(SandboxTest, WorkingDirectoryIsTheSpecs) {
  RunResult result = Run(Spec("well_behaved", {"pwd"}));
  ASSERT_TRUE(result.ExitedCleanly()) << Show(result);
  if (GetParam() == Isolation::kBubblewrap) {
    EXPECT_NE(result.stdout_data.find("cwd=/scratch\n"), std::string::npos) << Show(result);
  } else {
    EXPECT_NE(result.stdout_data.find("cwd=" + scratch_.string() + "\n"), std::string::npos)
        << Show(result);
  }
}

TEST_P(SandboxTest, MissingProgramIsASetupFailure) {
  SandboxSpec spec = Spec("well_behaved");
  spec.argv = {"/helpers/no_such_program"};
  RunResult result = Run(spec);
  EXPECT_EQ(result.outcome, Outcome::kSetupFailed) << Show(result);
  EXPECT_FALSE(result.detail.empty());
}

TEST_P(SandboxTest, ChannelsRoundTrip) {
  SandboxSpec spec = Spec("channel_echo");
  spec.inputs = {{3, "nonce-1234"}};
  spec.outputs = {{4}};
  RunResult result = Run(spec);
  ASSERT_TRUE(result.ExitedCleanly()) << Show(result);
  ASSERT_EQ(result.channel_data.size(), 1u);
  EXPECT_EQ(result.channel_data[0], "got nonce-1234");
  EXPECT_FALSE(result.channel_truncated[0]);
}

TEST_P(SandboxTest, OnlyTheChannelFdsAreOpen) {
  SandboxSpec spec = Spec("fd_writer");
  spec.outputs = {{7}};
  RunResult result = Run(spec);
  ASSERT_TRUE(result.ExitedCleanly()) << Show(result);
  EXPECT_EQ(result.stdout_data, "writable: 7 \n");
  ASSERT_EQ(result.channel_data.size(), 1u);
  EXPECT_EQ(result.channel_data[0], "fd 7\n");
}

TEST_P(SandboxTest, BusyLoopHitsTheCpuLimit) {
  SandboxSpec spec = Spec("busy_loop");
  spec.limits.cpu_seconds = 1;
  RunResult result = Run(spec);
  EXPECT_EQ(result.outcome, Outcome::kCpuLimit) << Show(result);
  EXPECT_GT(result.cpu_seconds, 0.5);
  EXPECT_NE(result.detail.find("CPU time"), std::string::npos) << result.detail;
}

TEST_P(SandboxTest, SleepHitsTheWallTimeout) {
  SandboxSpec spec = Spec("sleep_forever");
  spec.limits.wall_seconds = 2;
  RunResult result = Run(spec);
  EXPECT_EQ(result.outcome, Outcome::kWallTimeout) << Show(result);
  EXPECT_EQ(result.detail.find("timed out after 2.0 s of wall-clock time"), 0u) << result.detail;
}

TEST_P(SandboxTest, ForkBombIsContainedAndKilled) {
  SandboxSpec spec = Spec("fork_bomb");
  spec.limits.wall_seconds = 5;
  spec.limits.cpu_seconds = 4;
  RunResult result = Run(spec);
  EXPECT_TRUE(result.outcome == Outcome::kWallTimeout || result.outcome == Outcome::kCpuLimit)
      << Show(result);
  // TearDown checks that no process of a sandbox uid is left.
}

TEST_P(SandboxTest, ForkBombBesideAnHonestRunLeavesItAlone) {
  // Each run has a uid of its own, so the bomb's RLIMIT_NPROC is its own: a
  // run beside it forks as if alone, and ending the bomb kills nothing else.
  SandboxSpec bomb = Spec("fork_bomb");
  bomb.limits.wall_seconds = 8;
  bomb.limits.cpu_seconds = 8;
  std::atomic<bool> bomb_done{false};
  RunResult bomb_result;
  std::thread bomber([&] {
    bomb_result = Run(bomb);
    bomb_done = true;
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the bomb is at its limit by now
  SandboxSpec honest = Spec("fork_some", {"20"});
  honest.limits.wall_seconds = 60;
  RunResult honest_result = Run(honest);
  const bool overlapped = !bomb_done.load();
  bomber.join();
  EXPECT_TRUE(overlapped) << "the honest run did not run beside the bomb";
  EXPECT_TRUE(honest_result.ExitedCleanly()) << Show(honest_result);
  EXPECT_EQ(honest_result.stdout_data, "forked 20\n") << Show(honest_result);
  EXPECT_TRUE(bomb_result.outcome == Outcome::kWallTimeout ||
              bomb_result.outcome == Outcome::kCpuLimit)
      << Show(bomb_result);
  EXPECT_NE(honest_result.uid, bomb_result.uid);
}

TEST_P(SandboxTest, MemoryHogUnderAddressSpaceLimitIsAMemoryLimit) {
  if (kHelpersUseAsan) {
    GTEST_SKIP() << "RLIMIT_AS cannot be combined with AddressSanitizer";
  }
  SandboxSpec spec = Spec("memory_hog");
  spec.limits.memory_bytes = 256ULL << 20;
  spec.limits.limit_address_space = true;
  RunResult result = Run(spec);
  EXPECT_EQ(result.outcome, Outcome::kMemoryLimit) << Show(result);
  EXPECT_EQ(result.detail.find("killed: used more than 256 MiB of memory"), 0u) << result.detail;
}

TEST_P(SandboxTest, MemoryHogIsStoppedByTheWatchdog) {
  SandboxSpec spec = Spec("memory_hog");
  spec.limits.memory_bytes = 256ULL << 20;
  spec.limits.limit_address_space = false;  // as for sanitizer builds
  RunResult result = Run(spec);
  EXPECT_EQ(result.outcome, Outcome::kMemoryLimit) << Show(result);
  EXPECT_GT(result.peak_rss_bytes, 256ULL << 20);
}

TEST_P(SandboxTest, PrintingAGigabyteIsTruncated) {
  RunResult result = Run(Spec("print_gigabyte"));
  EXPECT_EQ(result.outcome, Outcome::kOutputLimit) << Show(result);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stdout_data.size(), 256u * 1024);
  EXPECT_EQ(result.detail.find("printed more than 256 KiB on stdout; output truncated"), 0u)
      << result.detail;
}

TEST_P(SandboxTest, WritingA2GBFileHitsTheFileSizeLimit) {
  RunResult result = Run(Spec("write_big_file", {"/scratch/big"}));
  EXPECT_EQ(result.outcome, Outcome::kFileSizeLimit) << Show(result);
  EXPECT_LE(fs::file_size(scratch_ / "big"), 16ULL << 20);
}

TEST_P(SandboxTest, SetsidGrandchildIsKilled) {
  RunResult result = Run(Spec("setsid_escapee"));
  EXPECT_TRUE(result.ExitedCleanly()) << Show(result);
  EXPECT_EQ(result.stdout_data, "escaped\n");
  // TearDown checks that the grandchild is gone.
}

TEST_P(SandboxTest, NetworkIsUnreachable) {
  // A listening socket of the grader on the host's loopback.
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  RunResult result = Run(Spec("network_probe", {std::to_string(ntohs(address.sin_port))}));
  close(listener);
  EXPECT_TRUE(result.ExitedCleanly()) << "some connection succeeded: " << Show(result);
  EXPECT_NE(result.stdout_data.find("unix socket: ok"), std::string::npos) << Show(result);
}

TEST_P(SandboxTest, PrivateFilesAreNotReadable) {
  std::vector<std::string> secrets = {"/root", "/root/.bashrc"};
  if (GetParam() == Isolation::kBubblewrap) {
    // Only bubblewrap can hide world-readable trees; the fallback documents that.
    for (const char* path : {"/work", "/home", "/etc/passwd", "/etc/hostname"}) {
      secrets.push_back(path);
    }
    secrets.push_back(RunfilesDir().string());
  }
  RunResult result = Run(Spec("file_probe", secrets));
  EXPECT_TRUE(result.ExitedCleanly()) << "something was visible: " << Show(result);
}

TEST_P(SandboxTest, SystemDirectoriesAreReadOnly) {
  RunResult result = Run(Spec("write_big_file", {"/usr/labkit-test-file"}));
  EXPECT_EQ(result.outcome, Outcome::kExited) << Show(result);
  EXPECT_EQ(result.exit_code, 3) << Show(result);
  EXPECT_FALSE(fs::exists("/usr/labkit-test-file"));
}

TEST_P(SandboxTest, ManyRunsLeakNothing) {
  const int fds_before = OpenFdCount();
  const int runs = GetParam() == Isolation::kBubblewrap || kHelpersUseAsan ? 200 : 1000;
  for (int i = 0; i < runs; ++i) {
    RunResult result = Run(Spec("well_behaved", {"exit", "0"}));
    ASSERT_TRUE(result.ExitedCleanly()) << "run " << i << ": " << Show(result);
  }
  EXPECT_EQ(OpenFdCount(), fds_before);
}

TEST_P(SandboxTest, ConcurrentRunsDoNotInterfere) {
  // The grader runs tests in worker threads: runs that end (and kill what
  // they left behind) must not touch the others.
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int worker = 0; worker < 4; ++worker) {
    workers.emplace_back([&, worker] {
      for (int i = 0; i < 10; ++i) {
        if (worker == 0) {
          SandboxSpec spec = Spec(i % 2 == 0 ? "setsid_escapee" : "sleep_forever");
          spec.limits.wall_seconds = 0.3;
          RunResult result = Run(spec);
          if (result.outcome != Outcome::kExited && result.outcome != Outcome::kWallTimeout) {
            ++failures;
          }
        } else {
          const int code = worker * 10 + i;
          RunResult result = Run(Spec("well_behaved", {"exit", std::to_string(code)}));
          if (result.outcome != Outcome::kExited || result.exit_code != code) {
            ADD_FAILURE() << "worker " << worker << " run " << i << ": " << Show(result);
            ++failures;
          }
        }
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(SandboxTest, BadSpecsAreSetupFailures) {
  SandboxSpec spec = Spec("well_behaved");
  spec.argv = {};
  EXPECT_EQ(Run(spec).outcome, Outcome::kSetupFailed);
  spec = Spec("well_behaved");
  spec.argv[0] = "well_behaved";
  EXPECT_EQ(Run(spec).outcome, Outcome::kSetupFailed);
  spec = Spec("channel_echo");
  spec.inputs = {{3, "a"}};
  spec.outputs = {{3}};
  EXPECT_EQ(Run(spec).outcome, Outcome::kSetupFailed);
}

INSTANTIATE_TEST_SUITE_P(BothModes, SandboxTest,
                         ::testing::Values(Isolation::kBubblewrap, Isolation::kRlimitsOnly),
                         [](const ::testing::TestParamInfo<Isolation>& info) {
                           return info.param == Isolation::kBubblewrap ? "Bubblewrap"
                                                                       : "RlimitsOnly";
                         });

TEST(DetectIsolation, IsStableAndNamed) {
  Isolation first = DetectIsolation();
  EXPECT_EQ(DetectIsolation(), first);
  EXPECT_STRNE(IsolationName(first), "unknown");
}

TEST(DescribeOutcome, SaysWhatHappened) {
  Limits limits;
  limits.memory_bytes = 1024ULL << 20;
  limits.wall_seconds = 10;
  RunResult result;
  result.outcome = Outcome::kMemoryLimit;
  EXPECT_EQ(DescribeOutcome(result, limits), "killed: used more than 1024 MiB of memory");
  result.outcome = Outcome::kWallTimeout;
  EXPECT_EQ(DescribeOutcome(result, limits), "timed out after 10.0 s of wall-clock time");
  result.outcome = Outcome::kOutputLimit;
  result.stdout_truncated = true;
  limits.output_bytes = 256UL * 1024;
  EXPECT_EQ(DescribeOutcome(result, limits),
            "printed more than 256 KiB on stdout; output truncated");
}

}  // namespace
}  // namespace labkit::grader
