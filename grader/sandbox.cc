// grader/sandbox.cc: run one untrusted program with limits (see sandbox.h).
//
// Design
// ------
// A run has three steps:
//   - start (sandbox_child.cc): fork, set the limits in the child and exec
//     bubblewrap or, in the fallback, the program itself;
//   - supervise (here): watch the program until it exits or hits a limit;
//   - finish (here, with process_tree.cc): kill and reap everything the run
//     left behind, then classify what happened in one Outcome and a sentence.
//
// The parent never blocks: one poll() loop reads stdout, stderr, the output
// channels and two bookkeeping pipes (exec errors of the child, bwrap's JSON
// status), each capped; every 20 ms it samples /proc for the resident memory
// and CPU time of the whole process tree (so many processes cannot multiply
// the limits) and enforces the wall-clock deadline. Input channels are filled
// before the fork (they must fit in a pipe), so no write can ever block.
//
// Ending a run kills the whole tree. As root every run has a uid of its own
// (sandbox_ids.h), so everything of that uid is killed and reaped, however it
// hid (setsid() daemons, double forks, a pid namespace); the grader is also a
// child subreaper, so orphans come back to it to be reaped. Without root, the
// child's descendants are killed (in bwrap mode killing bwrap takes its pid
// namespace down with it: --die-with-parent).
//
// Runs overlap freely as root: each leases its own uid for its whole life,
// so RLIMIT_NPROC, the memory and CPU watchdog and the final kill all see
// only its own processes. Without root, fallback runs of one grader process
// take turns (FallbackRunsMutex): the orphans reparented to the grader
// cannot be attributed to one of several runs.
#include "grader/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string_view>

#include "grader/process_tree.h"
#include "grader/sandbox_child.h"
#include "grader/sandbox_ids.h"

namespace labkit::grader {
namespace {

using internal::Fd;
using internal::StartedChild;

constexpr auto kSamplePeriod = std::chrono::milliseconds(20);
constexpr std::size_t kBookkeepingCap = 64UL * 1024;  // exec-error and JSON pipes

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool RunningAsRoot() { return geteuid() == 0; }

// ---------------------------------------------------------------------------
// Taking turns (without root only: see the top of this file).

std::mutex& FallbackRunsMutex() {
  static auto* const mutex = new std::mutex();
  return *mutex;
}

// ---------------------------------------------------------------------------
// Capped reading of the program's pipes.

struct Stream {
  Fd fd;
  std::string data;
  std::uint64_t cap = 0;
  bool truncated = false;
};

// Reads what is available. Returns false on EOF or error (the stream is then
// closed). Data past the cap is dropped and marks the stream truncated.
bool ReadAvailable(Stream& stream) {
  char buffer[65536];
  ssize_t n = read(stream.fd.get(), buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return true;
  }
  if (n <= 0) {
    stream.fd.Reset();
    return false;
  }
  std::uint64_t room = stream.cap > stream.data.size() ? stream.cap - stream.data.size() : 0;
  std::uint64_t keep = std::min<std::uint64_t>(room, static_cast<std::uint64_t>(n));
  stream.data.append(buffer, keep);
  if (keep < static_cast<std::uint64_t>(n)) {
    stream.truncated = true;
  }
  return true;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// ---------------------------------------------------------------------------
// Watching a run.

// Everything that is only known while the run goes on.
struct RunState {
  Stream out, err, json, child_errors;
  std::vector<Stream> channels;
  std::optional<Outcome> limit_hit;  // why we killed it, if we did
  bool reaped = false;
  int status = 0;
  rusage usage{};
  double peak_cpu_seconds = 0.0;
  std::uint64_t peak_rss_bytes = 0;
};

std::vector<Stream*> OpenStreams(RunState& state) {
  std::vector<Stream*> streams;
  for (Stream* s : {&state.out, &state.err, &state.json, &state.child_errors}) {
    if (s->fd.valid()) {
      streams.push_back(s);
    }
  }
  for (Stream& s : state.channels) {
    if (s.fd.valid()) {
      streams.push_back(&s);
    }
  }
  return streams;
}

// One poll() round over the open streams, at most `timeout_ms` long.
void PumpStreams(RunState& state, int timeout_ms) {
  std::vector<Stream*> streams = OpenStreams(state);
  std::vector<pollfd> pollfds;
  pollfds.reserve(streams.size());
  for (Stream* s : streams) {
    pollfds.push_back({s->fd.get(), POLLIN, 0});
  }
  if (pollfds.empty()) {
    usleep(static_cast<useconds_t>(timeout_ms) * 1000);
    return;
  }
  if (poll(pollfds.data(), pollfds.size(), timeout_ms) <= 0) {
    return;
  }
  for (std::size_t i = 0; i < pollfds.size(); ++i) {
    if (pollfds[i].revents != 0) {
      ReadAvailable(*streams[i]);
    }
  }
}

bool AnyProgramStreamTruncated(const RunState& state) {
  if (state.out.truncated || state.err.truncated) {
    return true;
  }
  return std::any_of(state.channels.begin(), state.channels.end(),
                     [](const Stream& s) { return s.truncated; });
}

void SampleTree(RunState& state, const internal::RunProcesses& run, const Limits& limits) {
  const internal::TreeUsage usage = internal::SampleTreeUsage(run);
  const std::uint64_t rss = usage.rss_bytes;
  const double cpu = usage.cpu_seconds;
  state.peak_rss_bytes = std::max(state.peak_rss_bytes, rss);
  state.peak_cpu_seconds = std::max(state.peak_cpu_seconds, cpu);
  if (state.limit_hit) {
    return;
  }
  if (rss > limits.memory_bytes) {
    state.limit_hit = Outcome::kMemoryLimit;
  } else if (cpu > limits.cpu_seconds) {
    state.limit_hit = Outcome::kCpuLimit;
  }
}

void TryReap(RunState& state, pid_t child, bool block) {
  if (state.reaped) {
    return;
  }
  pid_t got;
  do {
    got = wait4(child, &state.status, block ? 0 : WNOHANG, &state.usage);
  } while (got < 0 && errno == EINTR);
  if (got == child) {
    state.reaped = true;
  }
}

// ---------------------------------------------------------------------------
// Classifying what happened.

bool MentionsMemoryExhaustion(const std::string& stderr_data) {
  static const char* const kMarkers[] = {
      "std::bad_alloc",
      "AddressSanitizer: out of memory",
      "AddressSanitizer: allocator is out of memory",
      "allocation-size-too-big",
      "exceeds maximum supported size",
      "hard rss limit",
      "rss-limit-exceeded",
      "out of memory",
  };
  for (const char* marker : kMarkers) {
    if (stderr_data.find(marker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// bwrap reports the program's status as an exit code, 128 + N for signal N
// (like a shell), in its JSON status: { "exit-code": 139 }.
std::optional<int> BwrapExitCode(const std::string& json) {
  std::size_t at = json.find("\"exit-code\"");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  at = json.find(':', at);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  return std::atoi(json.c_str() + at + 1);
}

std::string FormatBytes(std::uint64_t bytes) {
  char text[64];
  if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0) {
    std::snprintf(text, sizeof text, "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
  } else if (bytes >= 1024 && bytes % 1024 == 0) {
    std::snprintf(text, sizeof text, "%llu KiB", static_cast<unsigned long long>(bytes >> 10));
  } else {
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return text;
}

// Sets outcome, exit_code and signal from the state of a finished run.
void Classify(const RunState& state, Isolation isolation, const Limits& limits, RunResult& result) {
  if (state.limit_hit) {
    result.outcome = *state.limit_hit;
    if (state.reaped && WIFSIGNALED(state.status)) {
      result.signal = WTERMSIG(state.status);
    }
    return;
  }
  int exit_code = -1;
  int signal = 0;
  if (WIFSIGNALED(state.status)) {
    signal = WTERMSIG(state.status);
  } else if (isolation == Isolation::kBubblewrap) {
    std::optional<int> code = BwrapExitCode(state.json.data);
    if (!code) {
      // bwrap exited without starting the program (its message is on stderr).
      result.outcome = Outcome::kSetupFailed;
      return;
    }
    if (*code > 128 && *code <= 128 + 64) {
      signal = *code - 128;
    } else {
      exit_code = *code;
    }
  } else {
    exit_code = WEXITSTATUS(state.status);
  }
  result.exit_code = exit_code;
  result.signal = signal;
  const bool failed = signal != 0 || exit_code != 0;
  if (signal == SIGXCPU || (signal == SIGKILL && state.peak_cpu_seconds >= limits.cpu_seconds)) {
    result.outcome = Outcome::kCpuLimit;
  } else if (signal == SIGXFSZ) {
    result.outcome = Outcome::kFileSizeLimit;
  } else if (failed && MentionsMemoryExhaustion(state.err.data)) {
    result.outcome = Outcome::kMemoryLimit;
  } else if (signal != 0) {
    result.outcome = Outcome::kSignaled;
  } else {
    result.outcome = Outcome::kExited;
  }
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 300) {
    line.resize(300);
  }
  return line;
}

RunResult SetupFailure(std::string detail, Isolation isolation) {
  RunResult result;
  result.outcome = Outcome::kSetupFailed;
  result.detail = "the sandbox could not start the program: " + std::move(detail);
  result.isolation = isolation;
  return result;
}

// ---------------------------------------------------------------------------
// The steps of a run.

// Takes over the grader's ends of the child's pipes, each with its cap.
void AdoptStreams(RunState& state, StartedChild& started, const Limits& limits) {
  auto adopt = [](Stream& stream, Fd& fd, std::uint64_t cap) {
    stream.fd = std::move(fd);
    stream.cap = cap;
    SetNonBlocking(stream.fd.get());
  };
  adopt(state.out, started.stdout_fd, limits.output_bytes);
  adopt(state.err, started.stderr_fd, limits.output_bytes);
  if (started.json_status_fd.valid()) {  // bwrap mode only
    adopt(state.json, started.json_status_fd, kBookkeepingCap);
  }
  adopt(state.child_errors, started.child_errors_fd, kBookkeepingCap);
  state.channels.resize(started.channel_fds.size());
  for (std::size_t i = 0; i < started.channel_fds.size(); ++i) {
    adopt(state.channels[i], started.channel_fds[i], limits.output_bytes);
  }
}

// Reads the streams and watches the limits until the child exits (it is then
// reaped) or a limit stops the run (state.limit_hit says which).
void Supervise(RunState& state, const StartedChild& started, const Limits& limits, long run_uid) {
  const auto deadline = started.start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(limits.wall_seconds));
  auto last_sample = Clock::time_point{};
  while (true) {
    const auto now = Clock::now();
    if (now >= deadline) {
      state.limit_hit = Outcome::kWallTimeout;
      return;
    }
    auto wait = std::min<Clock::duration>(kSamplePeriod, deadline - now);
    PumpStreams(
        state,
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1);
    if (AnyProgramStreamTruncated(state)) {
      state.limit_hit = Outcome::kOutputLimit;
      return;
    }
    TryReap(state, started.pid, /*block=*/false);
    if (state.reaped) {
      return;
    }
    if (Clock::now() - last_sample >= kSamplePeriod) {
      last_sample = Clock::now();
      SampleTree(state, {started.pid, run_uid}, limits);
      if (state.limit_hit) {
        return;
      }
    }
  }
}

// Kills whatever is left: the program if a limit stopped it, and in every
// case its descendants (daemons, setsid() escapees, fork-bomb leftovers). As
// root, everything of the run's uid (`run_uid`), zombies reaped; without root
// (run_uid < 0), the child's tree. Then drains what is still buffered in the
// pipes.
// Returns whether nothing of the run is left (always true without root).
bool EndRun(RunState& state, pid_t child, long run_uid) {
  if (!state.reaped) {
    kill(child, SIGKILL);
    kill(-child, SIGKILL);  // its process group (it called setsid())
    if (run_uid < 0) {
      internal::KillRunProcesses({child, -1});
    }
  }
  // The child first (it may still be root, before its switch to the run's
  // uid), then everything of the run's uid, which no longer includes it.
  TryReap(state, child, /*block=*/true);
  internal::UnregisterChild(child);
  bool clean = true;
  if (run_uid >= 0) {
    clean = internal::KillEveryProcessOfUid(static_cast<uid_t>(run_uid));
  }

  // Every writer is dead now: drain what is still buffered in the pipes.
  const auto drain_deadline = Clock::now() + std::chrono::seconds(2);
  while (!OpenStreams(state).empty() && Clock::now() < drain_deadline) {
    PumpStreams(state, 20);
  }
  if (!state.limit_hit && AnyProgramStreamTruncated(state)) {
    state.limit_hit = Outcome::kOutputLimit;
  }
  return clean;
}

// The result of a finished (killed, reaped and drained) run.
RunResult MakeResult(RunState& state, Isolation isolation, const Limits& limits,
                     double wall_seconds) {
  if (std::optional<std::string> error = internal::DescribeChildError(state.child_errors.data)) {
    return SetupFailure(*error, isolation);
  }
  RunResult result;
  result.isolation = isolation;
  result.wall_seconds = wall_seconds;
  const double rusage_cpu =
      static_cast<double>(state.usage.ru_utime.tv_sec + state.usage.ru_stime.tv_sec) +
      static_cast<double>(state.usage.ru_utime.tv_usec + state.usage.ru_stime.tv_usec) / 1e6;
  state.peak_cpu_seconds = std::max(state.peak_cpu_seconds, rusage_cpu);
  result.cpu_seconds = state.peak_cpu_seconds;
  result.peak_rss_bytes = std::max<std::uint64_t>(
      state.peak_rss_bytes, static_cast<std::uint64_t>(state.usage.ru_maxrss) * 1024);

  Classify(state, isolation, limits, result);
  result.stdout_data = std::move(state.out.data);
  result.stderr_data = std::move(state.err.data);
  result.stdout_truncated = state.out.truncated;
  result.stderr_truncated = state.err.truncated;
  for (Stream& stream : state.channels) {
    result.channel_data.push_back(std::move(stream.data));
    result.channel_truncated.push_back(stream.truncated);
  }
  result.detail = DescribeOutcome(result, limits);
  if (result.outcome == Outcome::kSetupFailed) {
    result.detail += ": " + FirstLine(result.stderr_data);
  }
  if (isolation == Isolation::kRlimitsOnly) {
    result.detail +=
        " (reduced isolation: rlimits, an unprivileged uid and a seccomp filter only; the "
        "program could read the host's files that others may read)";
  }
  return result;
}

RunResult Run(const SandboxSpec& spec, Isolation isolation) {
  if (std::optional<std::string> problem = internal::ValidateSpec(spec)) {
    return SetupFailure(*problem, isolation);
  }
  const bool as_root = RunningAsRoot();
  const bool bwrap = isolation == Isolation::kBubblewrap;
  internal::ProgramIdentity identity;
  IdLease slot;
  if (as_root) {
    slot = LeaseRunSlot();
    if (!slot.held()) {
      return SetupFailure(
          "no run slot could be leased (/run/lock/labkit must be a root-owned directory, and "
          "some slot's uid free of processes)",
          isolation);
    }
    identity.switch_ids = true;
    identity.uid = SandboxIds().RunUid(slot.index());
    identity.gid = spec.group.value_or(internal::kDefaultSandboxGid);
    identity.extra_group = spec.extra_group;
  }
  // As root, orphans (setsid() daemons in the fallback; bwrap's pid 1, which
  // its monitor never reaps) come to us instead of init, so we can reap them.
  internal::BecomeSubreaperIfRoot(as_root);
  std::unique_lock<std::mutex> fallback_turn(FallbackRunsMutex(), std::defer_lock);
  if (!bwrap && !as_root) {
    fallback_turn.lock();
  }
  const long run_uid = as_root ? static_cast<long>(identity.uid) : -1;

  StartedChild started;
  if (std::optional<std::string> problem =
          internal::StartChild(spec, isolation, identity, started)) {
    return SetupFailure(*problem, isolation);
  }
  RunState state;
  AdoptStreams(state, started, spec.limits);
  Supervise(state, started, spec.limits, run_uid);
  const double wall_seconds = SecondsSince(started.start);
  if (EndRun(state, started.pid, run_uid) && slot.held()) {
    slot.MarkClean();
  }
  RunResult result = MakeResult(state, isolation, spec.limits, wall_seconds);
  result.uid = as_root ? identity.uid : geteuid();
  return result;
}

Isolation ProbeIsolation() {
  const char* forced = std::getenv("LABKIT_ISOLATION");
  if (forced != nullptr && std::string_view(forced) == "rlimits") {
    return Isolation::kRlimitsOnly;
  }
  if (forced != nullptr && std::string_view(forced) == "bwrap") {
    return Isolation::kBubblewrap;
  }
  if (access(internal::kBwrapPath, X_OK) != 0) {
    return Isolation::kRlimitsOnly;
  }
  SandboxSpec probe;
  probe.argv = {"/bin/true"};
  probe.limits.wall_seconds = 20;
  RunResult result = Run(probe, Isolation::kBubblewrap);
  return result.ExitedCleanly() ? Isolation::kBubblewrap : Isolation::kRlimitsOnly;
}

}  // namespace

Isolation DetectIsolation() {
  static const Isolation isolation = ProbeIsolation();
  return isolation;
}

const char* IsolationName(Isolation isolation) {
  switch (isolation) {
    case Isolation::kBubblewrap:
      return "bubblewrap";
    case Isolation::kRlimitsOnly:
      return "rlimits-only";
  }
  return "unknown";
}

RunResult RunSandboxed(const SandboxSpec& spec) { return Run(spec, DetectIsolation()); }

RunResult RunSandboxedWith(const SandboxSpec& spec, Isolation isolation) {
  return Run(spec, isolation);
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::string DescribeOutcome(const RunResult& result, const Limits& limits) {
  char text[256];
  switch (result.outcome) {
    case Outcome::kExited:
      std::snprintf(text, sizeof text, "exited with status %d", result.exit_code);
      return text;
    case Outcome::kSignaled:
      return "killed by " + SignalName(result.signal);
    case Outcome::kWallTimeout:
      std::snprintf(text, sizeof text, "timed out after %.1f s of wall-clock time",
                    limits.wall_seconds);
      return text;
    case Outcome::kCpuLimit:
      std::snprintf(text, sizeof text, "killed: used more than %.1f s of CPU time",
                    limits.cpu_seconds);
      return text;
    case Outcome::kMemoryLimit:
      return "killed: used more than " + FormatBytes(limits.memory_bytes) + " of memory";
    case Outcome::kOutputLimit: {
      std::string stream = result.stdout_truncated   ? "stdout"
                           : result.stderr_truncated ? "stderr"
                                                     : "an output channel";
      return "printed more than " + FormatBytes(limits.output_bytes) + " on " + stream +
             "; output truncated";
    }
    case Outcome::kFileSizeLimit:
      return "killed: wrote a file larger than " + FormatBytes(limits.file_size_bytes);
    case Outcome::kSetupFailed:
      return result.detail.empty() ? "the sandbox could not start the program" : result.detail;
  }
  return "unknown outcome";
}

}  // namespace labkit::grader
