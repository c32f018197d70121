// grader/sandbox_ids.cc: leasing run uids and grade groups (see sandbox_ids.h).
#include "grader/sandbox_ids.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "grader/process_tree.h"

namespace labkit::grader {
namespace {

constexpr const char* kLockDirs[] = {"/run/lock/labkit", "/tmp/labkit-locks"};

// A run slot's lock file says whether its uid was left without processes.
constexpr char kClean[] = "clean\n";
constexpr char kInUse[] = "inuse\n";

SandboxIdRange ReadRange() {
  SandboxIdRange range;
  if (const char* base = std::getenv("LABKIT_SANDBOX_ID_BASE"); base != nullptr && *base) {
    char* end = nullptr;
    unsigned long value = std::strtoul(base, &end, 10);
    if (*end == '\0' && value >= 1000 && value < 4000000000UL) {
      range.base = static_cast<std::uint32_t>(value);
    }
  }
  return range;
}

// The directory holding the lock files: root-owned, not writable by others
// (a sandboxed program must not be able to hold a lease or plant a link).
std::string LockDir() {
  static const std::string dir = [] {
    for (const char* candidate : kLockDirs) {
      mkdir(candidate, 0755);
      struct stat st;
      if (lstat(candidate, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
          (st.st_mode & 0022) == 0) {
        return std::string(candidate);
      }
    }
    return std::string();
  }();
  return dir;
}

// Run slots whose uid could not be cleaned (a zombie whose parent does not
// reap it): this process does not use them again.
std::mutex unusable_slots_mutex;
std::set<int>& UnusableSlots() {
  static auto* const slots = new std::set<int>();
  return *slots;
}

bool IsUnusable(int slot) {
  std::lock_guard<std::mutex> lock(unusable_slots_mutex);
  return UnusableSlots().count(slot) != 0;
}

// Takes the first free lock of `kind` among `count`, waiting while all are held.
std::pair<int, int> TakeLock(const char* kind, int count, bool skip_unusable) {
  const std::string dir = LockDir();
  if (dir.empty()) {
    return {-1, -1};
  }
  while (true) {
    int usable = 0;
    for (int index = 0; index < count; ++index) {
      if (skip_unusable && IsUnusable(index)) {
        continue;
      }
      ++usable;
      std::string path = dir + "/" + kind + "-" + std::to_string(index) + ".lock";
      int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd < 0) {
        continue;
      }
      if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        return {fd, index};
      }
      close(fd);
    }
    if (usable == 0) {
      return {-1, -1};
    }
    usleep(20 * 1000);
  }
}

}  // namespace

const SandboxIdRange& SandboxIds() {
  static const SandboxIdRange range = ReadRange();
  return range;
}

std::string CheckSandboxIdsAreFree() {
  const SandboxIdRange& ids = SandboxIds();
  auto taken = [](const char* what, unsigned long id, const char* name) {
    return std::string("the sandbox's reserved ") + what + " " + std::to_string(id) +
           " belongs to \"" + name +
           "\" on this machine: set LABKIT_SANDBOX_ID_BASE to the start of a free range of "
           "1,256 ids (default 1600000000)";
  };
  for (int slot = 0; slot < SandboxIdRange::kRunSlots; ++slot) {
    if (const passwd* pw = getpwuid(ids.RunUid(slot))) {
      return taken("uid", ids.RunUid(slot), pw->pw_name);
    }
  }
  for (int group = -1; group < SandboxIdRange::kGradeGroups; ++group) {
    gid_t gid = group < 0 ? ids.KitGid() : ids.GradeGid(group);
    if (const struct group* gr = getgrgid(gid)) {
      return taken("gid", gid, gr->gr_name);
    }
  }
  return "";
}

IdLease::IdLease(IdLease&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), index_(std::exchange(other.index_, -1)) {}

IdLease& IdLease::operator=(IdLease&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
    index_ = std::exchange(other.index_, -1);
  }
  return *this;
}

IdLease::~IdLease() {
  if (fd_ >= 0) {
    close(fd_);  // releases the flock
  }
}

void IdLease::MarkClean() {
  if (fd_ >= 0) {
    ssize_t ignored = pwrite(fd_, kClean, sizeof kClean - 1, 0);
    (void)ignored;
  }
}

IdLease LeaseRunSlot() {
  while (true) {
    auto [fd, index] = TakeLock("slot", SandboxIdRange::kRunSlots, /*skip_unusable=*/true);
    if (fd < 0) {
      return {};
    }
    // Mark it in use; read whether the last holder left it clean.
    char state[sizeof kClean] = {};
    const bool clean = pread(fd, state, sizeof kClean - 1, 0) == sizeof kClean - 1 &&
                       std::string_view(state) == kClean;
    ssize_t ignored = pwrite(fd, kInUse, sizeof kInUse - 1, 0);
    (void)ignored;
    // A grader killed mid-run leaves the run's processes behind; they must
    // not count against this run's RLIMIT_NPROC or share its uid.
    if (clean || internal::KillEveryProcessOfUid(SandboxIds().RunUid(index))) {
      return IdLease(fd, index);
    }
    // Something of that uid will not die (a zombie whose parent does not
    // reap): use the other slots.
    close(fd);
    std::lock_guard<std::mutex> lock(unusable_slots_mutex);
    UnusableSlots().insert(index);
  }
}

IdLease LeaseGradeGroup() {
  auto [fd, index] = TakeLock("group", SandboxIdRange::kGradeGroups, /*skip_unusable=*/false);
  if (fd < 0) {
    return {};
  }
  return IdLease(fd, index);
}

}  // namespace labkit::grader
