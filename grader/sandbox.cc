// grader/sandbox.cc: run one untrusted program with limits (see sandbox.h).
//
// Design
// ------
// The grader forks once per run. The child (still our code) moves the pipes
// onto their fixed fd numbers, closes every other fd, sets the rlimits, drops
// to uid/gid 65534 when we are root, and execs either
//   - bubblewrap (kBubblewrap): fresh mount/pid/net/ipc/uts/user namespaces, a
//     read-only view of the system directories only, the spec's mounts, a
//     clean environment; bwrap applies our seccomp filter just before it execs
//     the program; or
//   - the program itself (kRlimitsOnly, e.g. inside Docker where user
//     namespaces are refused). This is REDUCED isolation: the program sees the
//     host file system (with uid 65534's permissions) and the host network
//     (minus what seccomp blocks). Mounts cannot hide anything there; they only
//     translate sandbox paths back to host paths.
// Dropping to uid 65534 before bwrap (not inside it) is what makes
// RLIMIT_NPROC count: the kernel ignores that limit for root. When the grader
// is not root it cannot change uid; the rlimits and bubblewrap (which works
// unprivileged) still apply, but the program runs as the grader's uid.
//
// The parent never blocks: one poll() loop reads stdout, stderr, the output
// channels and two bookkeeping pipes (exec errors of the child, bwrap's JSON
// status), each capped; every 20 ms it samples /proc for the resident memory
// and CPU time of the whole process tree (so many processes cannot multiply
// the limits) and enforces the wall-clock deadline. Input channels are filled
// before the fork (they must fit in a pipe), so no write can ever block.
//
// Ending a run kills the whole tree: in bwrap mode killing bwrap takes its pid
// namespace down with it (--die-with-parent). As root the grader is also a
// child subreaper, so every orphan of the run (setsid() daemons, double
// forks, bwrap's own pid 1) is reparented to it: the run's processes are then
// exactly the descendants of the child plus the uid-65534 children of the
// grader, which we kill in rounds until none is left, then reap. We do not
// kill(-1) as uid 65534: that would also kill other graders' sandboxes on the
// same machine. Fallback runs of one grader process take turns (sandbox.h).
#include "grader/sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string_view>

namespace labkit::grader {
namespace {

constexpr uid_t kSandboxUid = 65534;
constexpr gid_t kSandboxGid = 65534;
constexpr const char* kBwrapPath = "/usr/bin/bwrap";
constexpr auto kSamplePeriod = std::chrono::milliseconds(20);
constexpr std::size_t kBookkeepingCap = 64UL * 1024;  // exec-error and JSON pipes

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

struct Pipe {
  Fd read_end;
  Fd write_end;
};

bool MakePipe(Pipe& pipe) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return false;
  }
  pipe.read_end.Reset(fds[0]);
  pipe.write_end.Reset(fds[1]);
  return true;
}

bool RunningAsRoot() { return geteuid() == 0; }

// ---------------------------------------------------------------------------
// seccomp: socket() fails with EACCES for every family but AF_UNIX, and
// io_uring (which can create sockets too) is unavailable. ptrace, clone and
// fork stay allowed (LeakSanitizer needs ptrace). Compiled once to classic BPF
// so the child only needs async-signal-safe system calls to install it.

std::string CompileSeccompFilter() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) {
    return {};
  }
  bool ok = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                             SCMP_A0(SCMP_CMP_NE, AF_UNIX)) == 0 &&
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0) == 0;
  std::string bpf;
  int memfd = ok ? memfd_create("labkit-seccomp", MFD_CLOEXEC) : -1;
  if (memfd >= 0 && seccomp_export_bpf(ctx, memfd) == 0) {
    off_t size = lseek(memfd, 0, SEEK_END);
    if (size > 0) {
      bpf.resize(static_cast<std::size_t>(size));
      if (pread(memfd, bpf.data(), bpf.size(), 0) != static_cast<ssize_t>(bpf.size())) {
        bpf.clear();
      }
    }
  }
  if (memfd >= 0) {
    close(memfd);
  }
  seccomp_release(ctx);
  return bpf;
}

const std::string& SeccompFilter() {
  static const std::string* const filter = new std::string(CompileSeccompFilter());
  return *filter;
}

// ---------------------------------------------------------------------------
// /proc sampling.

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

bool ReadProcessInfo(pid_t pid, ProcessInfo& info) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d", pid);
  struct stat st;
  if (stat(path, &st) != 0) {
    return false;
  }
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  Fd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return false;
  }
  char buffer[1024];
  ssize_t n = read(fd.get(), buffer, sizeof buffer - 1);
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

// The grader may run several sandboxes at once (one per worker thread). The
// direct children of the runs in progress are registered here, under the
// mutex, from before fork() returns until they are reaped, so that no run
// reaps (and steals the status of) another run's child as an "orphan".
std::mutex active_children_mutex;
std::set<pid_t>& ActiveChildren() {
  static auto* const children = new std::set<pid_t>();
  return *children;
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

// ---------------------------------------------------------------------------
// What the forked child does before exec. Everything is prepared by the
// parent; the child only makes async-signal-safe system calls (the grader may
// be multi-threaded).

struct FdMove {
  int source;  // in the parent's numbering
  int target;  // the child's fd number
};

struct ChildPlan {
  std::vector<FdMove> moves;     // stdin, stdout, stderr, channels
  std::vector<int> aux_sources;  // kept at aux_base, aux_base + 1, ... (aux[0]: error pipe)
  int aux_base = 0;
  std::vector<std::pair<int, rlimit>> rlimits;
  bool switch_uid = false;
  bool set_death_signal = false;
  const char* chdir_to = nullptr;       // fallback only: bwrap does its own --chdir
  const sock_fprog* seccomp = nullptr;  // fallback only: bwrap installs it itself
  const char* exec_path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  pid_t grader_pid = 0;
};

// Written to the error pipe by a child that failed before exec.
struct ChildError {
  int stage;
  int error;
};

enum ChildStage {
  kStageFds = 1,
  kStageRlimit,
  kStageGroups,
  kStageGid,
  kStageUid,
  kStageChdir,
  kStageSeccomp,
  kStageExec,
};

const char* ChildStageName(int stage) {
  switch (stage) {
    case kStageFds:
      return "set up file descriptors";
    case kStageRlimit:
      return "set resource limits";
    case kStageGroups:
      return "drop supplementary groups";
    case kStageGid:
      return "switch to gid 65534";
    case kStageUid:
      return "switch to uid 65534";
    case kStageChdir:
      return "enter the working directory";
    case kStageSeccomp:
      return "install the seccomp filter";
    case kStageExec:
      return "execute the program";
  }
  return "start";
}

[[noreturn]] void ChildFail(int error_fd, int stage) {
  ChildError error = {stage, errno};
  ssize_t ignored = write(error_fd, &error, sizeof error);
  (void)ignored;
  _exit(127);
}

bool IsKeptChildFd(const ChildPlan& plan, int fd) {
  for (const FdMove& move : plan.moves) {
    if (move.target == fd) {
      return true;
    }
  }
  return fd >= plan.aux_base && fd < plan.aux_base + static_cast<int>(plan.aux_sources.size());
}

// Puts every source fd on its target number. Sources are first copied above
// every target and aux slot, so no dup2 can overwrite a source still needed.
bool ArrangeChildFds(const ChildPlan& plan) {
  const int aux_count = static_cast<int>(plan.aux_sources.size());
  const int scratch = plan.aux_base + aux_count;
  int moved[64];
  int aux_moved[8];
  if (plan.moves.size() > 64 || plan.aux_sources.size() > 8) {
    return false;
  }
  for (std::size_t i = 0; i < plan.moves.size(); ++i) {
    moved[i] = fcntl(plan.moves[i].source, F_DUPFD, scratch);
    if (moved[i] < 0) {
      return false;
    }
  }
  for (int i = 0; i < aux_count; ++i) {
    aux_moved[i] = fcntl(plan.aux_sources[i], F_DUPFD, scratch);
    if (aux_moved[i] < 0) {
      return false;
    }
  }
  for (int i = 0; i < aux_count; ++i) {
    if (dup2(aux_moved[i], plan.aux_base + i) < 0) {
      return false;
    }
  }
  for (std::size_t i = 0; i < plan.moves.size(); ++i) {
    if (dup2(moved[i], plan.moves[i].target) < 0) {
      return false;
    }
  }
  for (int fd = 0; fd < scratch; ++fd) {
    if (!IsKeptChildFd(plan, fd)) {
      close(fd);
    }
  }
  if (syscall(SYS_close_range, static_cast<unsigned>(scratch), ~0U, 0) != 0) {
    return false;
  }
  // The error pipe must close on a successful exec: that EOF means "started".
  return fcntl(plan.aux_base, F_SETFD, FD_CLOEXEC) == 0;
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  // A fresh session and process group: the fallback kills it as a group, and
  // the program cannot signal the grader's group.
  setsid();
  // The error pipe's source is aux_sources[0]; until it is moved, report there.
  if (!ArrangeChildFds(plan)) {
    ChildFail(plan.aux_sources[0], kStageFds);
  }
  const int error_fd = plan.aux_base;
  for (const auto& [resource, limit] : plan.rlimits) {
    if (setrlimit(resource, &limit) != 0) {
      ChildFail(error_fd, kStageRlimit);
    }
  }
  if (plan.switch_uid) {
    if (setgroups(0, nullptr) != 0) {
      ChildFail(error_fd, kStageGroups);
    }
    if (setresgid(kSandboxGid, kSandboxGid, kSandboxGid) != 0) {
      ChildFail(error_fd, kStageGid);
    }
    if (setresuid(kSandboxUid, kSandboxUid, kSandboxUid) != 0) {
      ChildFail(error_fd, kStageUid);
    }
  }
  // Set after the uid change, which clears it. If the grader died meanwhile,
  // do not run orphaned.
  if (plan.set_death_signal) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != plan.grader_pid) {
      _exit(127);
    }
  }
  if (plan.chdir_to != nullptr && chdir(plan.chdir_to) != 0) {
    ChildFail(error_fd, kStageChdir);
  }
  if (plan.seccomp != nullptr) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, plan.seccomp) != 0) {
      ChildFail(error_fd, kStageSeccomp);
    }
  }
  execve(plan.exec_path, plan.argv, plan.envp);
  ChildFail(error_fd, kStageExec);
}

// A NULL-terminated char* array over owned strings.
class CStringArray {
 public:
  explicit CStringArray(std::vector<std::string> strings) : strings_(std::move(strings)) {
    for (std::string& s : strings_) {
      pointers_.push_back(s.data());
    }
    pointers_.push_back(nullptr);
  }
  char* const* get() const { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

// ---------------------------------------------------------------------------
// Building the command line.

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// The system directories, read-only; symlinks (/bin -> usr/bin on merged-/usr
// systems) are recreated as symlinks. Never /etc as a whole, /home, /root,
// /work or anything else that could hold the lab's solutions.
void AddSystemView(std::vector<std::string>& args) {
  static const char* const kSystemPaths[] = {
      "/usr",
      "/bin",
      "/sbin",
      "/lib",
      "/lib64",
      "/lib32",
      "/libx32",
      "/etc/alternatives",
      "/etc/ld.so.cache",
      "/etc/ld.so.conf",
      "/etc/ld.so.conf.d",
  };
  for (const char* path : kSystemPaths) {
    struct stat st;
    if (lstat(path, &st) != 0) {
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlink(path, target, sizeof target - 1);
      if (n <= 0) {
        continue;
      }
      target[n] = '\0';
      args.insert(args.end(), {"--symlink", target, path});
    } else {
      args.insert(args.end(), {"--ro-bind", path, path});
    }
  }
}

std::vector<std::string> BwrapArguments(const SandboxSpec& spec, int json_fd, int seccomp_fd) {
  std::vector<std::string> args = {kBwrapPath,      "--unshare-all", "--die-with-parent",
                                   "--new-session", "--cap-drop",    "ALL"};
  AddSystemView(args);
  args.insert(args.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"});
  for (const Mount& mount : spec.mounts) {
    args.insert(args.end(),
                {mount.writable ? "--bind" : "--ro-bind", mount.host_path, mount.sandbox_path});
  }
  args.insert(args.end(), {"--chdir", spec.working_dir, "--clearenv"});
  for (const auto& [name, value] : spec.env) {
    args.insert(args.end(), {"--setenv", name, value});
  }
  args.insert(args.end(), {"--json-status-fd", std::to_string(json_fd)});
  if (seccomp_fd >= 0) {
    args.insert(args.end(), {"--seccomp", std::to_string(seccomp_fd)});
  }
  args.push_back("--");
  args.insert(args.end(), spec.argv.begin(), spec.argv.end());
  return args;
}

// Fallback: a path under a Mount's sandbox_path becomes the host path.
std::string SandboxToHostPath(const std::string& path, const std::vector<Mount>& mounts) {
  const Mount* best = nullptr;
  for (const Mount& mount : mounts) {
    const std::string& prefix = mount.sandbox_path;
    bool under = path == prefix || (path.size() > prefix.size() && path.starts_with(prefix) &&
                                    (prefix.ends_with('/') || path[prefix.size()] == '/'));
    if (under && (best == nullptr || prefix.size() > best->sandbox_path.size())) {
      best = &mount;
    }
  }
  if (best == nullptr) {
    return path;
  }
  return best->host_path + path.substr(best->sandbox_path.size());
}

std::vector<std::pair<int, rlimit>> ResourceLimits(const Limits& limits, Isolation isolation) {
  auto limit = [](std::uint64_t value) { return rlimit{value, value}; };
  const auto cpu = static_cast<rlim_t>(std::max(1.0, std::ceil(limits.cpu_seconds)));
  // bwrap itself runs two processes of the sandbox uid (monitor and pid 1).
  const int bwrap_processes = isolation == Isolation::kBubblewrap ? 2 : 0;
  std::vector<std::pair<int, rlimit>> rlimits = {
      // SIGXCPU at the soft limit, SIGKILL a second later if it is caught.
      {RLIMIT_CPU, rlimit{cpu, cpu + 1}},
      {RLIMIT_FSIZE, limit(limits.file_size_bytes)},
      {RLIMIT_NOFILE, limit(static_cast<std::uint64_t>(std::max(limits.max_open_files, 16)))},
      {RLIMIT_CORE, limit(0)},
      {RLIMIT_NPROC, limit(static_cast<std::uint64_t>(std::max(limits.max_processes, 1)) +
                           static_cast<std::uint64_t>(bwrap_processes))},
  };
  if (limits.limit_address_space) {
    rlimits.push_back({RLIMIT_AS, limit(limits.memory_bytes)});
  }
  return rlimits;
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

// ---------------------------------------------------------------------------
// Ending a run.

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

// Kills and reaps everything the run left behind, within a few seconds even
// against a fork bomb (killed processes cannot fork; new ones show up in the
// next round). In bwrap mode killing the monitor already takes the pid
// namespace down; this also covers the fallback. We deliberately do not
// kill(-1) as uid 65534: that would also kill other graders' runs on the
// same machine, and the subreaper makes the tree complete without it.
void KillRemainingProcesses(pid_t child_or_zero, bool include_orphans, bool as_root) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
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
  } while (Clock::now() < deadline);
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

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::optional<std::string> ValidateSpec(const SandboxSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return "the command line is empty";
  }
  if (spec.argv[0][0] != '/') {
    return "argv[0] must be an absolute path, got " + spec.argv[0];
  }
  std::set<int> fds;
  for (const InputChannel& input : spec.inputs) {
    fds.insert(input.child_fd);
  }
  for (const OutputChannel& output : spec.outputs) {
    fds.insert(output.child_fd);
  }
  if (fds.size() != spec.inputs.size() + spec.outputs.size()) {
    return "two channels use the same child fd";
  }
  for (int fd : fds) {
    if (fd < 3 || fd > 1000) {
      return "channel fd " + std::to_string(fd) + " is not in 3..1000";
    }
  }
  if (spec.inputs.size() + spec.outputs.size() > 60) {
    return "too many channels";
  }
  for (const Mount& mount : spec.mounts) {
    if (mount.sandbox_path.empty() || mount.sandbox_path[0] != '/') {
      return "mount target " + mount.sandbox_path + " is not an absolute path";
    }
    if (!PathExists(mount.host_path)) {
      return "mount source " + mount.host_path + " does not exist";
    }
  }
  return std::nullopt;
}

RunResult SetupFailure(std::string detail, Isolation isolation) {
  RunResult result;
  result.outcome = Outcome::kSetupFailed;
  result.detail = "the sandbox could not start the program: " + std::move(detail);
  result.isolation = isolation;
  return result;
}

// Fills an input pipe before the program starts; false if it cannot hold it.
bool PrefillInput(Pipe& pipe, const std::string& data) {
  if (data.size() > 65536) {
    if (fcntl(pipe.write_end.get(), F_SETPIPE_SZ, static_cast<int>(data.size())) < 0) {
      return false;
    }
  }
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = write(pipe.write_end.get(), data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  pipe.write_end.Reset();
  return true;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

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

void SampleTree(RunState& state, pid_t child, const Limits& limits, bool include_orphans) {
  std::uint64_t rss = 0;
  double cpu = 0.0;
  for (const ProcessInfo& info : SandboxTree(ReadProcessTable(), child, include_orphans)) {
    rss += info.rss_bytes;
    cpu += info.cpu_seconds;
  }
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

std::mutex& FallbackRunsMutex() {
  static auto* const mutex = new std::mutex();
  return *mutex;
}

RunResult Run(const SandboxSpec& spec, Isolation isolation) {
  if (std::optional<std::string> problem = ValidateSpec(spec)) {
    return SetupFailure(*problem, isolation);
  }
  const bool as_root = RunningAsRoot();
  const bool bwrap = isolation == Isolation::kBubblewrap;
  // As root, orphans (setsid() daemons in the fallback; bwrap's pid 1, which
  // its monitor never reaps) come to us instead of init, so we can count,
  // kill and reap them: they are the processes of uid 65534 whose parent is
  // the grader. Process-wide and harmless to set repeatedly. Without root we
  // cannot tell them from the grader's other children, so we leave them to
  // init (weaker: a setsid() daemon of a non-root fallback run can survive).
  if (as_root) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
  }
  // In bwrap mode the pid namespace holds the whole run and its orphans go to
  // bwrap's pid 1, never to us: runs are independent and may overlap. In the
  // fallback, orphans of uid 65534 reparented to the grader cannot be told
  // apart between runs, so fallback runs of one grader process take turns.
  const bool track_orphans = as_root && !bwrap;
  std::unique_lock<std::mutex> fallback_turn(FallbackRunsMutex(), std::defer_lock);
  if (!bwrap) {
    fallback_turn.lock();
  }

  RunState state;
  Pipe out_pipe, err_pipe, json_pipe, error_pipe, seccomp_pipe;
  if (!MakePipe(out_pipe) || !MakePipe(err_pipe) || !MakePipe(json_pipe) || !MakePipe(error_pipe)) {
    return SetupFailure(std::string("pipe: ") + std::strerror(errno), isolation);
  }
  Fd dev_null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null.valid()) {
    return SetupFailure("cannot open /dev/null", isolation);
  }

  ChildPlan plan;
  plan.moves = {{dev_null.get(), 0}, {out_pipe.write_end.get(), 1}, {err_pipe.write_end.get(), 2}};
  std::vector<Pipe> input_pipes(spec.inputs.size());
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    if (!MakePipe(input_pipes[i]) || !PrefillInput(input_pipes[i], spec.inputs[i].data)) {
      return SetupFailure(
          "input channel " + std::to_string(spec.inputs[i].child_fd) + " does not fit in a pipe",
          isolation);
    }
    plan.moves.push_back({input_pipes[i].read_end.get(), spec.inputs[i].child_fd});
  }
  std::vector<Pipe> output_pipes(spec.outputs.size());
  for (std::size_t i = 0; i < spec.outputs.size(); ++i) {
    if (!MakePipe(output_pipes[i])) {
      return SetupFailure("pipe failed", isolation);
    }
    plan.moves.push_back({output_pipes[i].write_end.get(), spec.outputs[i].child_fd});
  }
  int max_target = 2;
  for (const FdMove& move : plan.moves) {
    max_target = std::max(max_target, move.target);
  }
  plan.aux_base = max_target + 1;

  const std::string& bpf = SeccompFilter();
  sock_fprog seccomp_program{};
  plan.aux_sources.push_back(error_pipe.write_end.get());
  int json_child_fd = -1, seccomp_child_fd = -1;
  if (bwrap) {
    json_child_fd = plan.aux_base + static_cast<int>(plan.aux_sources.size());
    plan.aux_sources.push_back(json_pipe.write_end.get());
    if (!bpf.empty()) {
      if (!MakePipe(seccomp_pipe)) {
        return SetupFailure("pipe failed", isolation);
      }
      Pipe& p = seccomp_pipe;
      if (write(p.write_end.get(), bpf.data(), bpf.size()) != static_cast<ssize_t>(bpf.size())) {
        return SetupFailure("cannot pass the seccomp filter to bwrap", isolation);
      }
      p.write_end.Reset();
      seccomp_child_fd = plan.aux_base + static_cast<int>(plan.aux_sources.size());
      plan.aux_sources.push_back(p.read_end.get());
    }
  } else {
    json_pipe.write_end.Reset();
    if (!bpf.empty()) {
      seccomp_program.len = static_cast<unsigned short>(bpf.size() / sizeof(sock_filter));
      seccomp_program.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(bpf.data()));
      plan.seccomp = &seccomp_program;
    }
  }

  std::vector<std::string> command;
  std::vector<std::string> environment;
  std::string host_working_dir;
  if (bwrap) {
    command = BwrapArguments(spec, json_child_fd, seccomp_child_fd);
  } else {
    for (const std::string& arg : spec.argv) {
      command.push_back(SandboxToHostPath(arg, spec.mounts));
    }
    for (const auto& [name, value] : spec.env) {
      environment.push_back(name + "=" + value);
    }
    host_working_dir = SandboxToHostPath(spec.working_dir, spec.mounts);
    plan.chdir_to = host_working_dir.c_str();
  }
  const std::string exec_path = command[0];
  CStringArray argv(command);
  CStringArray envp(environment);
  plan.exec_path = exec_path.c_str();
  plan.argv = argv.get();
  plan.envp = envp.get();
  plan.rlimits = ResourceLimits(spec.limits, isolation);
  plan.switch_uid = as_root;
  plan.set_death_signal = !bwrap;  // bwrap does it itself (--die-with-parent)
  plan.grader_pid = getpid();

  const auto start = Clock::now();
  const pid_t child = ForkRegisteredChild();
  if (child < 0) {
    return SetupFailure(std::string("fork: ") + std::strerror(errno), isolation);
  }
  if (child == 0) {
    RunChild(plan);
  }

  // The parent keeps only the read ends.
  dev_null.Reset();
  for (Pipe* p : {&out_pipe, &err_pipe, &json_pipe, &error_pipe, &seccomp_pipe}) {
    p->write_end.Reset();
  }
  seccomp_pipe.read_end.Reset();
  for (Pipe& p : input_pipes) {
    p.read_end.Reset();
  }
  const Limits& limits = spec.limits;
  auto adopt = [](Stream& stream, Fd& fd, std::uint64_t cap) {
    stream.fd = std::move(fd);
    stream.cap = cap;
    SetNonBlocking(stream.fd.get());
  };
  adopt(state.out, out_pipe.read_end, limits.output_bytes);
  adopt(state.err, err_pipe.read_end, limits.output_bytes);
  if (bwrap) {
    adopt(state.json, json_pipe.read_end, kBookkeepingCap);
  }
  adopt(state.child_errors, error_pipe.read_end, kBookkeepingCap);
  state.channels.resize(output_pipes.size());
  for (std::size_t i = 0; i < output_pipes.size(); ++i) {
    output_pipes[i].write_end.Reset();
    adopt(state.channels[i], output_pipes[i].read_end, limits.output_bytes);
  }

  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(limits.wall_seconds));
  auto last_sample = Clock::time_point{};
  while (true) {
    const auto now = Clock::now();
    if (now >= deadline) {
      state.limit_hit = Outcome::kWallTimeout;
      break;
    }
    auto wait = std::min<Clock::duration>(kSamplePeriod, deadline - now);
    PumpStreams(
        state,
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1);
    if (AnyProgramStreamTruncated(state)) {
      state.limit_hit = Outcome::kOutputLimit;
      break;
    }
    TryReap(state, child, /*block=*/false);
    if (state.reaped) {
      break;
    }
    if (Clock::now() - last_sample >= kSamplePeriod) {
      last_sample = Clock::now();
      SampleTree(state, child, limits, track_orphans);
      if (state.limit_hit) {
        break;
      }
    }
  }
  const double wall_seconds = SecondsSince(start);

  // Kill whatever is left: the program if a limit stopped it, and in every
  // case its descendants (daemons, setsid() escapees, fork-bomb leftovers).
  // First the child's own tree (in bwrap mode: bwrap, its pid 1 and the
  // whole pid namespace); then, once the child is reaped, whatever its death
  // reparented to us (as root; the fallback's orphans), reaping as we go.
  if (!state.reaped) {
    kill(child, SIGKILL);
    kill(-child, SIGKILL);  // its process group (it called setsid())
    KillRemainingProcesses(child, /*include_orphans=*/false, /*as_root=*/false);
  }
  TryReap(state, child, /*block=*/true);
  UnregisterChild(child);
  KillRemainingProcesses(0, track_orphans, as_root);

  // Every writer is dead now: drain what is still buffered in the pipes.
  const auto drain_deadline = Clock::now() + std::chrono::seconds(2);
  while (!OpenStreams(state).empty() && Clock::now() < drain_deadline) {
    PumpStreams(state, 20);
  }
  if (!state.limit_hit && AnyProgramStreamTruncated(state)) {
    state.limit_hit = Outcome::kOutputLimit;
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

  if (state.child_errors.data.size() >= sizeof(ChildError)) {
    ChildError error;
    std::memcpy(&error, state.child_errors.data.data(), sizeof error);
    return SetupFailure(
        std::string("could not ") + ChildStageName(error.stage) + ": " + std::strerror(error.error),
        isolation);
  }
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
        " (reduced isolation: rlimits and uid 65534 only; the program could see the host's "
        "files and network)";
  }
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
  if (access(kBwrapPath, X_OK) != 0) {
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
