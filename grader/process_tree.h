// grader/process_tree.h: the processes of one sandboxed run, as /proc shows
// them (internal to the sandbox; see sandbox.h for the public interface).
//
// Why this exists: a run is not one process. The program can fork, call
// setsid(), double-fork into a daemon or fork-bomb; limits must hold for the
// whole tree (so many processes cannot multiply them) and the end of a run must
// kill and reap all of it, without touching the runs of other worker threads
// or other graders on the machine. The kernel has no handle for "this run"
// that works without namespaces (the fallback has none), so we rebuild the
// tree from /proc every time we need it. See process_tree.cc for how the tree
// stays complete (the grader is a child subreaper) and how orphans are told
// apart between runs (the child registry).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace labkit::grader::internal {

// The group of a run that names none (sandbox_ids.h has the per-run uids).
inline constexpr gid_t kDefaultSandboxGid = 65534;

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  // The owner of /proc/<pid>: the effective uid, or root for a process that
  // is not dumpable (e.g. between a uid change and exec). RealUid() is exact.
  uid_t owner = 0;
  char state = '?';  // 'Z': a zombie, waiting to be reaped
  std::uint64_t rss_bytes = 0;
  // utime + stime + cutime + cstime: when a process is reaped its times move
  // into its parent's cutime/cstime, so summing this over the live tree counts
  // every process the tree ever ran, each once.
  double cpu_seconds = 0.0;
};

// Every process /proc lists now (those that vanish while we read are skipped).
std::vector<ProcessInfo> ReadProcessTable();

// The real uid of a process (from /proc/<pid>/status), or -1 if it is gone.
long RealUid(pid_t pid);

// As root: makes the grader a child subreaper, so orphans of a run come to us
// instead of init and can be counted, killed and reaped. Process-wide and
// harmless to call repeatedly. Does nothing without root.
void BecomeSubreaperIfRoot(bool as_root);

// fork(), registering the child (in the parent) before any other thread can
// look for orphans, so that no run reaps another run's child. Returns what
// fork() returns. Every registered child must be unregistered once reaped.
pid_t ForkRegisteredChild();
void UnregisterChild(pid_t child);

// Which processes belong to a run: the descendants of its child, and, when
// `orphan_uid` is set (as root, where every run has a uid of its own), the
// processes of that real uid reparented to the grader (a child subreaper)
// and their descendants.
struct RunProcesses {
  pid_t child = 0;  // 0 once the child is reaped: its pid may be reused
  long orphan_uid = -1;
};

// Resident memory and CPU time of a run's whole tree right now.
struct TreeUsage {
  std::uint64_t rss_bytes = 0;
  double cpu_seconds = 0.0;
};
TreeUsage SampleTreeUsage(const RunProcesses& run);

// Kills the processes of a run (see RunProcesses) in rounds until none is
// left, reaping the orphans reparented to the grader as it goes. Gives up
// after a few seconds. This is the only way to end a run without root.
void KillRunProcesses(const RunProcesses& run);

// As root: kills every process of `uid` on the machine (from a forked process
// that switches to that uid and calls kill(-1, SIGKILL), which reaches the
// processes a pid namespace or setsid() hides from a tree walk) and reaps the
// orphans reparented to the grader, until /proc shows no process of that
// real uid, not even a zombie (zombies count against RLIMIT_NPROC). Returns
// false if some remain after a few seconds.
bool KillEveryProcessOfUid(uid_t uid);

}  // namespace labkit::grader::internal
