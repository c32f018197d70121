// grader/sandbox_child.cc: starting the program of one run (see sandbox_child.h).
//
// Design
// ------
// The grader forks once per run. The child (still our code) moves the pipes
// onto their fixed fd numbers, closes every other fd, sets the rlimits, drops
// to the run's own uid and group when we are root (sandbox_ids.h), and execs
// either
//   - bubblewrap (kBubblewrap): fresh mount/pid/net/ipc/uts/user namespaces, a
//     read-only view of the system directories only, the spec's mounts, a
//     clean environment; bwrap applies our seccomp filter just before it execs
//     the program; or
//   - the program itself (kRlimitsOnly, e.g. inside Docker where user
//     namespaces are refused). This is REDUCED isolation: the program sees the
//     host file system (with its uid's and group's permissions) and the host
//     network (minus what seccomp blocks). Mounts cannot hide anything there;
//     they only translate sandbox paths back to host paths.
// Dropping to the run's uid before bwrap (not inside it) is what makes
// RLIMIT_NPROC count: the kernel ignores that limit for root. When the grader
// is not root it cannot change uid; the rlimits and bubblewrap (which works
// unprivileged) still apply, but the program runs as the grader's uid.
//
// Everything the child needs (fd moves, rlimits, argv, envp, the compiled
// seccomp filter) is prepared by the parent in a ChildPlan before fork():
// the grader is multi-threaded, so between fork() and exec the child may only
// make async-signal-safe system calls — no allocation, no locks. A child that
// fails before exec writes a ChildError on a close-on-exec pipe; EOF on that
// pipe without data means the exec succeeded. Input channels are filled
// before the fork (they must fit in a pipe), so the grader never writes to a
// running program and no write can ever block.
#include "grader/sandbox_child.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>

#include "grader/process_tree.h"

namespace labkit::grader::internal {
namespace {

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
  bool switch_ids = false;
  uid_t uid = 0;
  gid_t gid = 0;
  int group_count = 0;  // 0 or 1 supplementary group
  gid_t groups[1] = {0};
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
      return "set the supplementary groups";
    case kStageGid:
      return "switch to the run's group";
    case kStageUid:
      return "switch to the run's uid";
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
  if (plan.switch_ids) {
    if (setgroups(static_cast<size_t>(plan.group_count), plan.groups) != 0) {
      ChildFail(error_fd, kStageGroups);
    }
    if (setresgid(plan.gid, plan.gid, plan.gid) != 0) {
      ChildFail(error_fd, kStageGid);
    }
    if (setresuid(plan.uid, plan.uid, plan.uid) != 0) {
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
// Creating the pipes and the plan, and forking.

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

// Both ends of every pipe of one run, until the fork. The parent keeps only
// the read ends it hands to StartedChild; everything else closes when this
// goes out of scope, after the fork (the child has its own copies by then).
struct ChildPipes {
  Fd dev_null;  // the program's stdin
  Pipe out, err, json, errors, seccomp;
  std::vector<Pipe> inputs;   // parallel to SandboxSpec::inputs
  std::vector<Pipe> outputs;  // parallel to SandboxSpec::outputs
};

// Creates the pipes, fills the input channels, and plans where each pipe end
// goes in the child (plan.moves and plan.aux_base).
std::optional<std::string> MakeChildPipes(const SandboxSpec& spec, ChildPipes& pipes,
                                          ChildPlan& plan) {
  if (!MakePipe(pipes.out) || !MakePipe(pipes.err) || !MakePipe(pipes.json) ||
      !MakePipe(pipes.errors)) {
    return std::string("pipe: ") + std::strerror(errno);
  }
  pipes.dev_null.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!pipes.dev_null.valid()) {
    return "cannot open /dev/null";
  }
  plan.moves = {
      {pipes.dev_null.get(), 0}, {pipes.out.write_end.get(), 1}, {pipes.err.write_end.get(), 2}};
  pipes.inputs.resize(spec.inputs.size());
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    if (!MakePipe(pipes.inputs[i]) || !PrefillInput(pipes.inputs[i], spec.inputs[i].data)) {
      return "input channel " + std::to_string(spec.inputs[i].child_fd) + " does not fit in a pipe";
    }
    plan.moves.push_back({pipes.inputs[i].read_end.get(), spec.inputs[i].child_fd});
  }
  pipes.outputs.resize(spec.outputs.size());
  for (std::size_t i = 0; i < spec.outputs.size(); ++i) {
    if (!MakePipe(pipes.outputs[i])) {
      return "pipe failed";
    }
    plan.moves.push_back({pipes.outputs[i].write_end.get(), spec.outputs[i].child_fd});
  }
  int max_target = 2;
  for (const FdMove& move : plan.moves) {
    max_target = std::max(max_target, move.target);
  }
  plan.aux_base = max_target + 1;
  return std::nullopt;
}

// The child's fds for bwrap's bookkeeping options (-1: not passed).
struct BwrapFds {
  int json_status = -1;
  int seccomp = -1;
};

// Plans the bookkeeping fds above the program's: the error pipe always; in
// bwrap mode also the JSON status pipe and a pipe holding the seccomp filter
// for bwrap to install. In the fallback the child installs the filter itself,
// from `seccomp_program`, which must outlive the fork.
std::optional<std::string> PlanBookkeepingFds(bool bwrap, ChildPipes& pipes, ChildPlan& plan,
                                              sock_fprog& seccomp_program, BwrapFds& bwrap_fds) {
  const std::string& bpf = SeccompFilter();
  plan.aux_sources.push_back(pipes.errors.write_end.get());
  if (!bwrap) {
    pipes.json.write_end.Reset();
    if (!bpf.empty()) {
      seccomp_program.len = static_cast<unsigned short>(bpf.size() / sizeof(sock_filter));
      seccomp_program.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(bpf.data()));
      plan.seccomp = &seccomp_program;
    }
    return std::nullopt;
  }
  bwrap_fds.json_status = plan.aux_base + static_cast<int>(plan.aux_sources.size());
  plan.aux_sources.push_back(pipes.json.write_end.get());
  if (!bpf.empty()) {
    if (!MakePipe(pipes.seccomp)) {
      return "pipe failed";
    }
    Pipe& p = pipes.seccomp;
    if (write(p.write_end.get(), bpf.data(), bpf.size()) != static_cast<ssize_t>(bpf.size())) {
      return "cannot pass the seccomp filter to bwrap";
    }
    p.write_end.Reset();
    bwrap_fds.seccomp = plan.aux_base + static_cast<int>(plan.aux_sources.size());
    plan.aux_sources.push_back(p.read_end.get());
  }
  return std::nullopt;
}

// What the child execs, with the strings the plan's pointers point into.
struct ChildCommand {
  std::vector<std::string> command;      // command[0] is the path to exec
  std::vector<std::string> environment;  // fallback only: bwrap gets --setenv
  std::string host_working_dir;          // fallback only: bwrap gets --chdir
};

ChildCommand MakeChildCommand(const SandboxSpec& spec, bool bwrap, const BwrapFds& bwrap_fds) {
  ChildCommand result;
  if (bwrap) {
    result.command = BwrapArguments(spec, bwrap_fds.json_status, bwrap_fds.seccomp);
    return result;
  }
  for (const std::string& arg : spec.argv) {
    result.command.push_back(SandboxToHostPath(arg, spec.mounts));
  }
  for (const auto& [name, value] : spec.env) {
    std::string entry = name;
    entry += '=';
    entry += value;
    result.environment.push_back(std::move(entry));
  }
  result.host_working_dir = SandboxToHostPath(spec.working_dir, spec.mounts);
  return result;
}

}  // namespace

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

std::optional<std::string> StartChild(const SandboxSpec& spec, Isolation isolation,
                                      const ProgramIdentity& identity, StartedChild& started) {
  const bool bwrap = isolation == Isolation::kBubblewrap;
  ChildPipes pipes;
  ChildPlan plan;
  if (std::optional<std::string> problem = MakeChildPipes(spec, pipes, plan)) {
    return problem;
  }
  sock_fprog seccomp_program{};
  BwrapFds bwrap_fds;
  if (std::optional<std::string> problem =
          PlanBookkeepingFds(bwrap, pipes, plan, seccomp_program, bwrap_fds)) {
    return problem;
  }
  const ChildCommand command = MakeChildCommand(spec, bwrap, bwrap_fds);
  const std::string exec_path = command.command[0];
  CStringArray argv(command.command);
  CStringArray envp(command.environment);
  plan.exec_path = exec_path.c_str();
  plan.argv = argv.get();
  plan.envp = envp.get();
  plan.chdir_to = bwrap ? nullptr : command.host_working_dir.c_str();
  plan.rlimits = ResourceLimits(spec.limits, isolation);
  plan.switch_ids = identity.switch_ids;
  plan.uid = identity.uid;
  plan.gid = identity.gid;
  if (identity.extra_group) {
    plan.group_count = 1;
    plan.groups[0] = *identity.extra_group;
  }
  plan.set_death_signal = !bwrap;  // bwrap does it itself (--die-with-parent)
  plan.grader_pid = getpid();

  started.start = std::chrono::steady_clock::now();
  const pid_t child = ForkRegisteredChild();
  if (child < 0) {
    return std::string("fork: ") + std::strerror(errno);
  }
  if (child == 0) {
    RunChild(plan);
  }
  // The parent keeps only the read ends; `pipes` closes the rest on return.
  started.pid = child;
  started.stdout_fd = std::move(pipes.out.read_end);
  started.stderr_fd = std::move(pipes.err.read_end);
  if (bwrap) {
    started.json_status_fd = std::move(pipes.json.read_end);
  }
  started.child_errors_fd = std::move(pipes.errors.read_end);
  for (Pipe& output : pipes.outputs) {
    started.channel_fds.push_back(std::move(output.read_end));
  }
  return std::nullopt;
}

std::optional<std::string> DescribeChildError(const std::string& bytes) {
  if (bytes.size() < sizeof(ChildError)) {
    return std::nullopt;
  }
  ChildError error;
  std::memcpy(&error, bytes.data(), sizeof error);
  return std::string("could not ") + ChildStageName(error.stage) + ": " +
         std::strerror(error.error);
}

}  // namespace labkit::grader::internal
