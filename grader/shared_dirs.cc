// grader/shared_dirs.cc: see shared_dirs.h.
#include "grader/shared_dirs.h"

#include <unistd.h>

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

void Share(const fs::path& path, bool is_dir, bool executable, std::optional<gid_t> group,
           RunAccess access) {
  std::error_code ec;
  if (group) {
    // lchown: a link left in a writable directory must not redirect this.
    lchown(path.c_str(), 0, *group);
    fs::perms mode = is_dir ? (access == RunAccess::kWrite ? fs::perms(0770) : fs::perms(0750))
                            : (executable ? fs::perms(0750) : fs::perms(0640));
    fs::permissions(path, mode, fs::perm_options::replace | fs::perm_options::nofollow, ec);
    return;
  }
  fs::perms mode = is_dir ? (access == RunAccess::kWrite ? fs::perms(0777) : fs::perms(0755))
                          : (executable ? fs::perms(0755) : fs::perms(0644));
  fs::permissions(path, mode, fs::perm_options::replace | fs::perm_options::nofollow, ec);
}

bool IsExecutable(const fs::directory_entry& entry) {
  std::error_code ec;
  fs::perms perms = entry.symlink_status(ec).permissions();
  return (perms & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

std::optional<gid_t> GroupForRuns(std::optional<gid_t> lease_gid) {
  if (geteuid() != 0) {
    return std::nullopt;
  }
  return lease_gid;
}

void MakeSharedDir(const fs::path& dir, std::optional<gid_t> group, RunAccess access) {
  fs::create_directories(dir);
  Share(dir, /*is_dir=*/true, false, group, access);
}

void SealTree(const fs::path& root, std::optional<gid_t> group) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    if (entry.is_symlink(ec)) {
      fs::remove(entry.path(), ec);  // runs have no business leaving links behind
      continue;
    }
    Share(entry.path(), entry.is_directory(ec), IsExecutable(entry), group, RunAccess::kRead);
  }
  Share(root, /*is_dir=*/true, false, group, RunAccess::kRead);
}

}  // namespace labkit::grader
