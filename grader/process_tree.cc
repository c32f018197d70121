// grader/process_tree.cc: finding, measuring and killing a run's processes.
//
// Design
// ------
// Every question about a run ("how much memory does it use?", "is anything
// of it still alive?") is answered from a fresh snapshot of /proc: the
// kernel gives us no other handle for a process tree in the fallback, and a
// snapshot cannot go stale the way a remembered pid list can.
//
// The processes of a run are the descendants of the child the grader forked,
// plus, as root, the processes of the run's own uid (sandbox_ids.h) whose
// parent is the grader. The second group exists because as root the grader is
// a child subreaper: every orphan of the run (setsid() daemons, double forks,
// bwrap's own pid 1) is reparented to it instead of init. As root, ending a
// run is simpler still: no other run has its uid, so a process switched to
// that uid can kill(-1, SIGKILL) everything of it at once, fork bombs and
// pid namespaces included; the run is over when /proc shows nothing of that
// real uid, zombies included (they count against RLIMIT_NPROC).
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
#include <cerrno>
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
  info.owner = st.st_uid;
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

// The processes of one run (see RunProcesses), found in `table`.
std::vector<ProcessInfo> RunTree(const std::vector<ProcessInfo>& table, const RunProcesses& run) {
  std::multimap<pid_t, const ProcessInfo*> children;
  for (const ProcessInfo& info : table) {
    children.emplace(info.ppid, &info);
  }
  std::set<pid_t> roots;
  if (run.child > 0) {
    roots.insert(run.child);
  }
  if (run.orphan_uid >= 0) {
    for (const ProcessInfo& info : table) {
      if (info.ppid == getpid() && info.pid != run.child && !IsActiveChild(info.pid) &&
          RealUid(info.pid) == run.orphan_uid) {
        roots.insert(info.pid);
      }
    }
  }
  std::vector<ProcessInfo> tree;
  std::set<pid_t> seen;
  std::vector<pid_t> pending;
  for (const ProcessInfo& info : table) {
    if (roots.count(info.pid) != 0) {
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

// Reaps the zombies among the grader's children that no run is waiting for:
// orphans reparented to the grader (a child subreaper), e.g. bwrap's pid 1
// that its monitor does not reap, or a fallback program's daemons. Leaving
// them would leak zombies that count against RLIMIT_NPROC (and some
// containers' init never reaps). Whose run they came from does not matter:
// nobody needs their exit status.
void ReapOrphans() {
  for (const ProcessInfo& info : ReadProcessTable()) {
    if (info.ppid != getpid() || info.state != 'Z') {
      continue;
    }
    std::lock_guard<std::mutex> lock(active_children_mutex);
    if (ActiveChildren().count(info.pid) == 0) {
      waitpid(info.pid, nullptr, WNOHANG);
    }
  }
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

long RealUid(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0) {
    return -1;
  }
  buffer[n] = '\0';
  const char* line = std::strstr(buffer, "\nUid:");
  if (line == nullptr) {
    return -1;
  }
  return std::strtol(line + 5, nullptr, 10);
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

TreeUsage SampleTreeUsage(const RunProcesses& run) {
  TreeUsage usage;
  for (const ProcessInfo& info : RunTree(ReadProcessTable(), run)) {
    usage.rss_bytes += info.rss_bytes;
    usage.cpu_seconds += info.cpu_seconds;
  }
  return usage;
}

// Within a few seconds even against a fork bomb: killed processes cannot
// fork, and new ones show up in the next round. In bwrap mode killing the
// monitor already takes the pid namespace down; this also covers the fallback.
void KillRunProcesses(const RunProcesses& run) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    std::vector<ProcessInfo> left = RunTree(ReadProcessTable(), run);
    for (const ProcessInfo& info : left) {
      if (info.state != 'Z') {
        kill(info.pid, SIGKILL);
      }
    }
    ReapOrphans();
    if (!AnyLiveProcess(left)) {
      return;
    }
    usleep(1000);
  } while (std::chrono::steady_clock::now() < deadline);
}

bool KillEveryProcessOfUid(uid_t uid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    bool any = false, any_live = false;
    for (const ProcessInfo& info : ReadProcessTable()) {
      if (RealUid(info.pid) != static_cast<long>(uid)) {
        continue;
      }
      any = true;
      any_live = any_live || info.state != 'Z';
    }
    if (!any) {
      return true;
    }
    if (any_live) {
      // kill(-1) from a process of that uid reaches every process it may
      // signal: exactly those of the uid, wherever they are (pid namespaces
      // included). The killer only makes async-signal-safe calls: the grader
      // is multi-threaded.
      const pid_t killer = ForkRegisteredChild();
      if (killer == 0) {
        if (setresuid(uid, uid, uid) != 0) {
          _exit(2);
        }
        kill(-1, SIGKILL);
        kill(-1, SIGKILL);
        _exit(0);
      }
      if (killer < 0) {
        return false;
      }
      int status = 0;
      while (waitpid(killer, &status, 0) < 0 && errno == EINTR) {
      }
      UnregisterChild(killer);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
        return false;  // cannot switch to the uid: not root
      }
    }
    ReapOrphans();
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    usleep(1000);
  }
}

}  // namespace labkit::grader::internal
