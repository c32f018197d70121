// grader/shared_dirs.h: the directories the grader shares with sandboxed runs.
//
// As root, everything of one graded submission (its scratch tree, build and
// run directories) belongs to root and to the submission's grade group
// (sandbox_ids.h), and is closed to others. The submission's runs have that
// group, so they can read it, and write where the grader allows; runs of
// another submission (another group) cannot even look, which matters in the
// fallback without namespaces, where the whole file system is visible. Nothing
// the grader wrote can be changed by a run: root owns it all, and writable
// directories are handed back to root and sealed before the next stage uses
// what was written there (a test must not be able to rewrite the binary the
// next test runs).
//
// Without root (no groups to switch to), the old modes apply: others may read
// everything, and writable directories are world-writable.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>

namespace labkit::grader {

enum class RunAccess { kRead, kWrite };

// Creates `dir` (and its parents) if needed and shares it with `group`'s
// runs: read-only or writable. Only `dir` itself, not its contents.
void MakeSharedDir(const std::filesystem::path& dir, std::optional<gid_t> group, RunAccess access);

// Seals a whole tree for `group`'s runs: everything owned by root (so the
// runs that wrote it can no longer change it), readable by the group,
// writable by nobody else; executables stay executable.
void SealTree(const std::filesystem::path& root, std::optional<gid_t> group);

// The group a grader running as `euid` gives its runs: `lease_gid` as root,
// nullopt otherwise.
std::optional<gid_t> GroupForRuns(std::optional<gid_t> lease_gid);

}  // namespace labkit::grader
