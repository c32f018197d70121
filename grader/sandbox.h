// grader/sandbox.h: run one untrusted program with limits, and say what happened.
//
// Everything a submission does at grading time (compiling, linking, running a
// test) goes through RunSandboxed. The program gets:
//   - a private view of the file system: the system directories read-only, plus
//     only the Mounts the caller lists (never the lab's hidden tests, solutions,
//     or the grader's cache) — with bubblewrap when the machine allows it;
//   - no network (a fresh network namespace holds only `lo`);
//   - an unprivileged uid (65534) so RLIMIT_NPROC holds and nothing is writable;
//   - CPU, wall-clock, memory, output, file-size, process and open-file limits;
//   - a process tree that is killed entirely when the run ends, even the
//     descendants that called setsid().
// The grader itself never blocks on the program: every pipe is read with a cap
// and every wait has a deadline.
//
// Requirements on the caller:
//   - Run the grader as root so that each run gets a uid of its own from a
//     reserved range (sandbox_ids.h): RLIMIT_NPROC then holds per run (the
//     kernel ignores it for root), one run's fork bomb cannot make another
//     run's fork() fail, and ending a run kills exactly the processes of its
//     uid. Without root, the rlimits and bubblewrap still apply but the
//     program keeps the grader's uid (weaker; see sandbox.cc).
//   - RunSandboxed may be called from several threads at once, and several
//     graders may run on one machine: as root every run leases its own slot
//     (uid), so runs overlap freely. Without root, bubblewrap runs overlap;
//     fallback runs of one grader process take turns (the orphans reparented
//     to the grader cannot be attributed to one of several runs).
//   - Every Mount::host_path (and, in the fallback, argv[0]) must be reachable
//     by the run's uid and group (SandboxSpec::group): e.g. a directory under
//     /tmp owned by root and that group, mode 0750, not under /root. Writable
//     mounts must be writable by that group (mode 0770).
//   - argv[0] is an absolute path inside the sandbox (no PATH search).
//   - InputChannel data is written before the program starts, so it must fit in
//     a pipe (up to /proc/sys/fs/pipe-max-size, usually 1 MiB).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace labkit::grader {

struct Limits {
  double wall_seconds = 10.0;
  double cpu_seconds = 10.0;
  // Resident memory of the whole process tree, enforced by a watchdog that
  // polls /proc. With limit_address_space, RLIMIT_AS is set to this too.
  std::uint64_t memory_bytes = 1ULL << 30;
  // Off for sanitizer builds: AddressSanitizer reserves terabytes of address space.
  bool limit_address_space = true;
  // Per captured stream (stdout, stderr, each output channel). Past it the
  // data is truncated and the program is killed (Outcome::kOutputLimit).
  std::uint64_t output_bytes = 1ULL << 20;
  std::uint64_t file_size_bytes = 64ULL << 20;  // RLIMIT_FSIZE
  int max_processes = 64;                       // RLIMIT_NPROC for the sandbox uid
  int max_open_files = 256;                     // RLIMIT_NOFILE
};

// A host path made visible inside the sandbox at sandbox_path.
struct Mount {
  std::string host_path;
  std::string sandbox_path;
  bool writable = false;
};

// Data the grader writes into a pipe that the program reads on fd `child_fd`;
// the write end is closed once `data` is written.
struct InputChannel {
  int child_fd;
  std::string data;
};

// A pipe the program writes on fd `child_fd`; the grader collects it (capped).
struct OutputChannel {
  int child_fd;
};

struct SandboxSpec {
  std::vector<std::string> argv;  // argv[0]: a path as seen inside the sandbox
  std::vector<std::pair<std::string, std::string>> env;  // the whole environment
  std::vector<Mount> mounts;      // in addition to the read-only system directories
  std::string working_dir = "/";  // inside the sandbox
  std::vector<InputChannel> inputs;
  std::vector<OutputChannel> outputs;
  Limits limits;
  // As root, the program's group: a grade group (sandbox_ids.h) that owns the
  // submission's files, or 65534 (nogroup) when unset; and at most one
  // supplementary group (the kit group, for the linker). Ignored without root.
  std::optional<gid_t> group;
  std::optional<gid_t> extra_group;
};

enum class Outcome {
  kExited,       // exited on its own; see exit_code
  kSignaled,     // killed by a signal it raised or received (not our limits); see signal
  kWallTimeout,  // ran past limits.wall_seconds
  kCpuLimit,     // ran past limits.cpu_seconds
  kMemoryLimit,  // resident memory past limits.memory_bytes (or allocation failed under RLIMIT_AS)
  kOutputLimit,  // printed more than limits.output_bytes on some stream
  kFileSizeLimit,  // wrote a file past limits.file_size_bytes
  kSetupFailed,    // the sandbox could not start the program; see detail
};

enum class Isolation {
  kBubblewrap,   // namespaces (mount, pid, net, ipc, uts) + a uid of its own + rlimits
  kRlimitsOnly,  // no namespaces available (e.g. inside Docker): a uid of its own + rlimits
};

struct RunResult {
  Outcome outcome = Outcome::kSetupFailed;
  int exit_code = -1;  // valid for kExited
  int signal = 0;      // the terminating signal, if any
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  // Data of each OutputChannel, in the order given in SandboxSpec::outputs.
  std::vector<std::string> channel_data;
  std::vector<bool> channel_truncated;  // parallel to channel_data
  double wall_seconds = 0.0;
  double cpu_seconds = 0.0;
  std::uint64_t peak_rss_bytes = 0;
  std::string detail;  // one sentence a person can read: what happened and why
  // The isolation the run actually had; kRlimitsOnly is noted in `detail`.
  Isolation isolation = Isolation::kBubblewrap;
  uid_t uid = 0;  // the uid the program ran as

  bool ExitedCleanly() const { return outcome == Outcome::kExited && exit_code == 0; }
};

// What this machine supports; decided once and cached. LABKIT_ISOLATION=rlimits
// forces the fallback (for testing it); LABKIT_ISOLATION=bwrap forces
// bubblewrap even if the probe failed (runs then fail with kSetupFailed).
// Otherwise bubblewrap is used when /usr/bin/bwrap can run /bin/true.
Isolation DetectIsolation();
const char* IsolationName(Isolation isolation);  // "bubblewrap" or "rlimits-only"

// Runs spec with DetectIsolation(). Never throws for anything the program does;
// a spec the sandbox cannot honour gives kSetupFailed with a detail.
RunResult RunSandboxed(const SandboxSpec& spec);

// The same with a chosen isolation (tests use it to cover the fallback).
// In kRlimitsOnly mode nothing is hidden: Mounts only translate paths — argv
// elements and working_dir under a Mount's sandbox_path are rewritten to the
// host_path — and the network is reachable except for the seccomp filter
// (socket() fails with EACCES for every family but AF_UNIX, in both modes).
RunResult RunSandboxedWith(const SandboxSpec& spec, Isolation isolation);

// "SIGSEGV" for 11, or "signal N" for a number with no name.
std::string SignalName(int signal);

// One sentence for an outcome, e.g. "timed out after 10.0 s of wall-clock time",
// "killed: used more than 1024 MiB of memory", "printed more than 256 KiB on
// stdout; output truncated", "exited with status 3", "killed by SIGSEGV".
std::string DescribeOutcome(const RunResult& result, const Limits& limits);

}  // namespace labkit::grader
