// grader/sandbox_child.h: starting the program of one sandboxed run (internal
// to the sandbox; see sandbox.h for the public interface).
//
// Why this exists: everything between "here is a SandboxSpec" and "the
// program is running, here are the ends of its pipes" is one job with its
// own hard rules: the forked child may only make async-signal-safe system
// calls (the grader is multi-threaded), it must end up with exactly the fds
// the spec names and no others, and every limit (rlimits, uid, seccomp,
// bubblewrap's namespaces) must be in place before the program's first
// instruction. sandbox.cc only supervises what this starts.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grader/sandbox.h"

namespace labkit::grader::internal {

inline constexpr const char* kBwrapPath = "/usr/bin/bwrap";

// An owned file descriptor, so that no early return leaks one (the grader
// runs thousands of sandboxes).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Why the sandbox cannot honour `spec` (bad argv, channel fds, mounts), if so.
std::optional<std::string> ValidateSpec(const SandboxSpec& spec);

// A running child and the grader's ends of its pipes (all O_CLOEXEC,
// blocking). The grader holds no write end of any of them, so each reaches
// EOF once the run's processes are gone.
struct StartedChild {
  pid_t pid = -1;  // registered (process_tree.h): unregister once reaped
  std::chrono::steady_clock::time_point start;  // just before fork()
  Fd stdout_fd;
  Fd stderr_fd;
  Fd json_status_fd;            // bwrap's --json-status-fd; not valid in the fallback
  Fd child_errors_fd;           // see DescribeChildError; EOF alone means "exec'd"
  std::vector<Fd> channel_fds;  // parallel to SandboxSpec::outputs
};

// Who the program runs as. As root the child switches to these ids before
// exec (before bwrap, so that RLIMIT_NPROC counts); without root it keeps the
// grader's.
struct ProgramIdentity {
  bool switch_ids = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<gid_t> extra_group;  // the only supplementary group, if any
};

// Forks and execs bwrap (kBubblewrap) or the program itself (kRlimitsOnly)
// with every limit of `spec` applied, as `identity`. Input channels are
// filled before the fork. On failure nothing was started and the returned
// sentence says why.
std::optional<std::string> StartChild(const SandboxSpec& spec, Isolation isolation,
                                      const ProgramIdentity& identity, StartedChild& started);

// What the child wrote on the child-errors pipe if it failed before exec, as
// "could not <stage>: <error>"; nullopt if it wrote nothing (it exec'd).
std::optional<std::string> DescribeChildError(const std::string& bytes);

}  // namespace labkit::grader::internal
