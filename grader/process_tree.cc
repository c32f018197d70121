// grader/process_tree.cc: finding, measuring and killing a run's processes.
//
// Design
// ------
// Every question about a run ("how much memory does it use?", "is anything
// of it still alive?") is answered from a fresh snapshot of /proc: the
// kernel gives us no other handle for a process tree in the fallback, and a
// snapshot cannot go stale the way a remembered pid list can.
//
// The tree of a run is the descendants of the child the grader forked, plus,
// as root, the processes of the sandbox uid whose parent is the grader. The
// second group exists because as root the grader is a child subreaper: every
// orphan of the run (setsid() daemons, double forks, bwrap's own pid 1) is
// reparented to it instead of init. So every process the run creates is in
// one of the two groups, and killing this set in rounds until none is left
// kills the whole run. We do not kill(-1) as uid 65534: that would also kill
// other graders' sandboxes on the same machine.
//
// Several runs may be in progress in one grader process (one per worker
// thread). Their direct children are kept in a registry, under a mutex, from
// before fork() returns until they are reaped, so that one run never mistakes
// (and reaps, stealing the exit status of) another run's child for an orphan.
#include "grader/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

namespace labkit::grader::internal {
namespace {

bool ReadProcessInfo(pid_t pid, ProcessInfo& info) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d", pid);
  struct stat st;
  if (stat(path, &st) != 0) {
    return false;
  }
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  char buffer[1024];
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0) {
    return false;
  }
  buffer[n] = '\0';
  // The command name may contain spaces and parentheses: fields start after
  // the LAST ')'.
  char* fields = std::strrchr(buffer, ')');
  if (fields == nullptr) {
    return false;
  }
  char state;
  int ppid;
  unsigned long utime, stime;
  long cutime, cstime, rss_pages;
  // Fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt
  // cmajflt utime stime cutime cstime priority nice threads itrealvalue
  // starttime vsize rss
  int got = std::sscanf(fields + 1,
                        " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld %*d %*d "
                        "%*d %*d %*u %*u %ld",
                        &state, &ppid, &utime, &stime, &cutime, &cstime, &rss_pages);
  if (got != 7) {
    return false;
  }
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  info.pid = pid;
  info.ppid = ppid;
  info.uid = st.st_uid;
  info.state = state;
  info.rss_bytes = rss_pages > 0 ? static_cast<std::uint64_t>(rss_pages) * page : 0;
  info.cpu_seconds = static_cast<double>(utime + stime + cutime + cstime) / ticks;
  return true;
}

// The registry of the direct children of the runs in progress (see the top
// of this file).
std::mutex active_children_mutex;
std::set<pid_t>& ActiveChildren() {
  static auto* const children = new std::set<pid_t>();
  return *children;
}

bool IsActiveChild(pid_t pid) {
  std::lock_guard<std::mutex> lock(active_children_mutex);
  return ActiveChildren().count(pid) != 0;
}

// The processes of one run: the descendants of the launched child (pass 0
// once it is reaped: its pid may be reused), plus, as root, the processes of
// the sandbox uid reparented to the grader, a child subreaper, and their
// descendants. As the grader is a subreaper, every process the run creates is
// in one of the two groups, even after setsid() and double forks, so killing
// this set repeatedly kills the whole run without touching other runs.
std::vector<ProcessInfo> SandboxTree(const std::vector<ProcessInfo>& table, pid_t child,
                                     bool include_reparented_orphans) {
  std::multimap<pid_t, const ProcessInfo*> children;
  for (const ProcessInfo& info : table) {
    children.emplace(info.ppid, &info);
  }
  std::vector<pid_t> roots;
  if (child > 0) {
    roots.push_back(child);
  }
  if (include_reparented_orphans) {
    for (const ProcessInfo& info : table) {
      if (info.ppid == getpid() && info.uid == kSandboxUid && info.pid != child &&
          !IsActiveChild(info.pid)) {
        roots.push_back(info.pid);
      }
    }
  }
  std::vector<ProcessInfo> tree;
  std::set<pid_t> seen;
  std::vector<pid_t> pending;
  for (const ProcessInfo& info : table) {
    if (std::find(roots.begin(), roots.end(), info.pid) != roots.end()) {
      tree.push_back(info);
      seen.insert(info.pid);
      pending.push_back(info.pid);
    }
  }
  while (!pending.empty()) {
    pid_t parent = pending.back();
    pending.pop_back();
    auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      if (seen.insert(it->second->pid).second) {
        tree.push_back(*it->second);
        pending.push_back(it->second->pid);
      }
    }
  }
  return tree;
}

// Orphans reparented to the grader (a child subreaper), e.g. bwrap's pid 1
// that its monitor does not reap, or a fallback program's daemons, are ours to
// reap; leaving them would leak zombies that count against RLIMIT_NPROC (and
// some containers' init never reaps). Only as root, where they are told apart
// from the grader's other children by the sandbox uid. Returns whether any
// such child remains.
bool ReapOrphans() {
  bool any = false;
  for (const ProcessInfo& info : ReadProcessTable()) {
    if (info.ppid != getpid() || info.uid != kSandboxUid) {
      continue;
    }
    std::lock_guard<std::mutex> lock(active_children_mutex);
    if (ActiveChildren().count(info.pid) != 0) {
      continue;
    }
    if (waitpid(info.pid, nullptr, WNOHANG) != info.pid) {
      any = true;
    }
  }
  return any;
}

bool AnyLiveProcess(const std::vector<ProcessInfo>& processes) {
  return std::any_of(processes.begin(), processes.end(),
                     [](const ProcessInfo& info) { return info.state != 'Z'; });
}

}  // namespace

std::vector<ProcessInfo> ReadProcessTable() {
  std::vector<ProcessInfo> table;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) {
    return table;
  }
  while (struct dirent* entry = readdir(dir)) {
    char* end;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) {
      continue;
    }
    ProcessInfo info;
    if (ReadProcessInfo(static_cast<pid_t>(pid), info)) {
      table.push_back(info);
    }
  }
  closedir(dir);
  return table;
}

void BecomeSubreaperIfRoot(bool as_root) {
  // Without root we cannot tell the run's orphans from the grader's other
  // children, so we leave them to init (weaker: a setsid() daemon of a
  // non-root fallback run can survive).
  if (as_root) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
  }
}

pid_t ForkRegisteredChild() {
  std::lock_guard<std::mutex> lock(active_children_mutex);
  pid_t child = fork();
  if (child > 0) {
    ActiveChildren().insert(child);
  }
  return child;
}

void UnregisterChild(pid_t child) {
  std::lock_guard<std::mutex> lock(active_children_mutex);
  ActiveChildren().erase(child);
}

TreeUsage SampleTreeUsage(pid_t child, bool include_reparented_orphans) {
  TreeUsage usage;
  for (const ProcessInfo& info :
       SandboxTree(ReadProcessTable(), child, include_reparented_orphans)) {
    usage.rss_bytes += info.rss_bytes;
    usage.cpu_seconds += info.cpu_seconds;
  }
  return usage;
}

// Within a few seconds even against a fork bomb: killed processes cannot
// fork, and new ones show up in the next round. In bwrap mode killing the
// monitor already takes the pid namespace down; this also covers the fallback.
void KillRemainingProcesses(pid_t child_or_zero, bool include_orphans, bool as_root) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    std::vector<ProcessInfo> left = SandboxTree(ReadProcessTable(), child_or_zero, include_orphans);
    for (const ProcessInfo& info : left) {
      if (info.state != 'Z') {
        kill(info.pid, SIGKILL);
      }
    }
    const bool orphans_left = as_root && ReapOrphans();
    if (!AnyLiveProcess(left) && !orphans_left) {
      return;
    }
    usleep(1000);
  } while (std::chrono::steady_clock::now() < deadline);
}

}  // namespace labkit::grader::internal
