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

// The unprivileged identity the program runs as when the grader is root
// (sandbox_child.cc switches to it). As root, it is also how orphans of a run
// reparented to the grader are recognised.
inline constexpr uid_t kSandboxUid = 65534;
inline constexpr gid_t kSandboxGid = 65534;

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  uid_t uid = 0;
  char state = '?';  // 'Z': a zombie, waiting to be reaped
  std::uint64_t rss_bytes = 0;
  // utime + stime + cutime + cstime: when a process is reaped its times move
  // into its parent's cutime/cstime, so summing this over the live tree counts
  // every process the tree ever ran, each once.
  double cpu_seconds = 0.0;
};

// Every process /proc lists now (those that vanish while we read are skipped).
std::vector<ProcessInfo> ReadProcessTable();

// As root: makes the grader a child subreaper, so orphans of a run come to us
// instead of init and can be counted, killed and reaped. Process-wide and
// harmless to call repeatedly. Does nothing without root.
void BecomeSubreaperIfRoot(bool as_root);

// fork(), registering the child (in the parent) before any other thread can
// look for orphans, so that no run reaps another run's child. Returns what
// fork() returns. Every registered child must be unregistered once reaped.
pid_t ForkRegisteredChild();
void UnregisterChild(pid_t child);

// Resident memory and CPU time of a run's whole tree right now.
struct TreeUsage {
  std::uint64_t rss_bytes = 0;
  double cpu_seconds = 0.0;
};
TreeUsage SampleTreeUsage(pid_t child, bool include_reparented_orphans);

// Kills and reaps everything a run left behind: the descendants of
// `child_or_zero` (0 once the child is reaped: its pid may be reused), plus,
// with include_orphans, the sandbox-uid processes reparented to the grader.
// With as_root, such orphans are also reaped. Gives up after a few seconds.
void KillRemainingProcesses(pid_t child_or_zero, bool include_orphans, bool as_root);

}  // namespace labkit::grader::internal
