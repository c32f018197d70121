// grader/sandbox_ids.h: the unprivileged identities sandboxed programs run as.
//
// Why there are many. RLIMIT_NPROC counts every process of a uid on the
// machine, and the cleanest way to end a run is to kill every process of its
// uid. Both only work if no two concurrent runs share a uid: with one shared
// uid (65534), a fork bomb in one run makes another run's fork() fail, and
// ending one run kills its neighbours. So, as root, every sandboxed run leases
// its own uid from a reserved range (a "run slot"), and every graded
// submission leases its own gid (a "grade group") that owns its work
// directory: in the fallback without namespaces, where the file system is not
// hidden, one submission's runs still cannot read another's files.
//
// Leases are flock()s on /run/lock/labkit/<kind>-<n>.lock, so they hold
// across every grader process on the machine (two `labkit batch` runs, a
// `labkit check` beside them) and are released by the kernel if a grader is
// killed. Before a run slot is handed out, anything left of its uid (by a
// grader that was killed mid-run) is killed and reaped.
//
// Without root none of this applies: the program keeps the grader's uid.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace labkit::grader {

// The reserved range. Run uids are base .. base+kRunSlots-1; grade groups are
// base+kGradeGroupOffset .. +kGradeGroups-1; the kit group (may read staged
// link inputs: only the linker runs with it) is base+kKitGroupOffset. The
// default base is 1600000000; LABKIT_SANDBOX_ID_BASE overrides it (e.g. in a
// container whose user namespace maps only low ids). No account may use them.
struct SandboxIdRange {
  std::uint32_t base = 1600000000;
  static constexpr int kRunSlots = 64;
  static constexpr int kGradeGroupOffset = 1000;
  static constexpr int kGradeGroups = 256;
  static constexpr int kKitGroupOffset = 999;

  uid_t RunUid(int slot) const { return static_cast<uid_t>(base + slot); }
  gid_t GradeGid(int group) const { return static_cast<gid_t>(base + kGradeGroupOffset + group); }
  gid_t KitGid() const { return static_cast<gid_t>(base + kKitGroupOffset); }
  bool IsRunUid(uid_t uid) const { return uid >= base && uid < base + kRunSlots; }
};

// The range in use (LABKIT_SANDBOX_ID_BASE or the default), read once.
const SandboxIdRange& SandboxIds();

// As root: "" if the range is free to use, else a sentence naming the first
// id that /etc/passwd or /etc/group already gives to someone, and what to do.
std::string CheckSandboxIdsAreFree();

// One leased id. Move-only; the lease ends when it is destroyed.
class IdLease {
 public:
  IdLease() = default;
  IdLease(IdLease&& other) noexcept;
  IdLease& operator=(IdLease&& other) noexcept;
  IdLease(const IdLease&) = delete;
  IdLease& operator=(const IdLease&) = delete;
  ~IdLease();

  bool held() const { return fd_ >= 0; }
  int index() const { return index_; }

  // A run slot: says, in its lock file, that nothing of its uid is left, so
  // the next lease can skip looking (a grader killed mid-run never says it).
  void MarkClean();

 private:
  friend IdLease LeaseRunSlot();
  friend IdLease LeaseGradeGroup();
  IdLease(int fd, int index) : fd_(fd), index_(index) {}
  int fd_ = -1;
  int index_ = -1;
};

// Blocks until a run slot is free, kills whatever is left of its uid (unless
// its last holder marked it clean), and returns the lease (uid:
// SandboxIds().RunUid(lease.index())). As root only.
IdLease LeaseRunSlot();

// Blocks until a grade group is free (gid: SandboxIds().GradeGid(lease.index())).
IdLease LeaseGradeGroup();

}  // namespace labkit::grader
