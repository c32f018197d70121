// grader/check.cc: `labkit-grader check`, the lab's own tests.
//
// Design: a lab is only as good as its tests, and the cheapest evidence that
// tests catch real mistakes is a set of known-buggy variants that must lose
// points, each in the rubric item meant to catch it. The self-check grades the
// reference, the skeleton and each variant through exactly the same pipeline
// students go through (GradeTree), so a passing check also shows that the kits
// build, the sandbox works and the rubric fits the tests. It keeps going after
// a failure so the instructor sees every problem in one run.
#include "grader/check.h"

#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "grader/files.h"
#include "grader/report.h"
#include "grader/runner.h"
#include "grader/sandbox.h"

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

std::string Points(double v) { return fmt::format("{:.1f}", v); }

constexpr gid_t kPatchGroup = 65534;  // the group of sandboxed runs that name none

// Copies solutions/<id> and applies the patch in the sandbox (writable copy only).
// Returns "" on success, else patch's complaint.
std::string ApplyPatch(const fs::path& solutions, const fs::path& patch, const fs::path& dest) {
  fs::copy(solutions, dest, fs::copy_options::recursive);
  // Writable by the sandbox's group, and owned by it: patch gives the files
  // it rewrites their old group, and may only give one it has.
  const bool as_root = geteuid() == 0;
  auto share = [&](const fs::path& path, bool is_dir) {
    if (as_root) lchown(path.c_str(), 0, kPatchGroup);
    fs::permissions(path, is_dir ? fs::perms(0777) : fs::perms(0666));
  };
  share(dest, true);
  for (auto& entry : fs::recursive_directory_iterator(dest)) {
    share(entry.path(), entry.is_directory());
  }
  fs::path patch_dir = dest.parent_path() / "patch";
  fs::create_directories(patch_dir);
  fs::copy_file(patch, patch_dir / "variant.patch", fs::copy_options::overwrite_existing);
  fs::permissions(patch_dir, fs::perms(0755));
  fs::permissions(patch_dir / "variant.patch", fs::perms(0644));
  SandboxSpec spec;
  spec.argv = {"/usr/bin/patch",
               "-p1",
               "--batch",
               "--forward",
               "--no-backup-if-mismatch",
               "-i",
               "/labkit/patch/variant.patch"};
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"LC_ALL", "C"}};
  spec.mounts = {{dest.string(), "/labkit/src", true},
                 {patch_dir.string(), "/labkit/patch", false}};
  spec.working_dir = "/labkit/src";
  spec.limits.wall_seconds = 30;
  // Without namespaces: inside bubblewrap's user namespace root's files show
  // an unmapped owner, and patch, which gives the files it rewrites their
  // old owner, fails on it. The patch is the instructor's, not a student's.
  RunResult result = RunSandboxedWith(spec, Isolation::kRlimitsOnly);
  if (result.ExitedCleanly()) return "";
  return Trim(result.stdout_data + result.stderr_data + " " + DescribeOutcome(result, spec.limits));
}

}  // namespace

BuggyVariant ParseBuggyPatch(const fs::path& patch, std::string_view text) {
  BuggyVariant variant;
  variant.patch = patch;
  std::istringstream in{std::string(text)};
  std::string line;
  // The description is the header's first paragraph, its lines joined.
  bool description_done = false;
  while (std::getline(in, line)) {
    if (line.starts_with("--- ") || line.starts_with("diff ")) break;
    std::string t = Trim(line);
    if (t.empty()) {
      description_done = !variant.description.empty();
      continue;
    }
    if (t.starts_with("Caught-by:")) {
      description_done = !variant.description.empty();
      std::string names = t.substr(10);
      // One item per line; a comma-separated list is accepted too.
      std::stringstream parts(names);
      std::string name;
      while (std::getline(parts, name, ',')) {
        name = Trim(name);
        if (!name.empty()) variant.caught_by.push_back(name);
      }
    } else if (!description_done) {
      variant.description += (variant.description.empty() ? "" : " ") + t;
    }
  }
  if (variant.description.empty()) variant.description = "(no description line)";
  return variant;
}

bool RunSelfCheck(Grader& grader, std::ostream& out, bool color) {
  const LabConfig& lab = grader.lab();
  const GradeOptions& options = grader.options();
  auto good = [&](const std::string& s) {
    return color ? fmt::format(fmt::fg(fmt::color::green), "{}", s) : s;
  };
  auto bad = [&](const std::string& s) {
    return color ? fmt::format(fmt::fg(fmt::color::red), "{}", s) : s;
  };
  bool ok = true;
  out << fmt::format("Self-check of lab {} ({} rubric items, {} suites)\n", lab.id,
                     lab.rubric.size(), lab.suites.size());
  size_t total_tests = 0;
  for (const auto& [suite, ref] : grader.reference()) total_tests += ref.tests.size();
  out << fmt::format("{}  rubric: each of the {} tests matches exactly one item\n", good("OK    "),
                     total_tests);

  // 1. The reference scores 100.
  GradeResult reference = grader.GradeTree(options.solutions_dir);
  if (reference.score.total >= 100 - 1e-6) {
    out << fmt::format("{}  reference scores 100\n", good("OK    "));
  } else {
    ok = false;
    out << fmt::format("{}  reference scores {} (expected 100)\n{}", bad("FAIL  "),
                       Points(reference.score.total), InstructorLog(reference));
  }

  // 2. The skeleton compiles and scores at most skeleton_max_score.
  GradeResult skeleton = grader.GradeTree(options.lab_dir);
  if (!skeleton.Compiled()) {
    ok = false;
    const SuiteResult* failed = skeleton.FirstBuildFailure();
    out << fmt::format("{}  the skeleton does not build:\n{}", bad("FAIL  "),
                       failed ? failed->build.errors : "");
  } else if (skeleton.score.total > lab.skeleton_max_score + 1e-6) {
    ok = false;
    out << fmt::format("{}  the skeleton scores {} (at most {} allowed by skeleton_max_score)\n",
                       bad("FAIL  "), Points(skeleton.score.total), Points(lab.skeleton_max_score));
  } else {
    out << fmt::format("{}  skeleton builds and scores {} (<= {})\n", good("OK    "),
                       Points(skeleton.score.total), Points(lab.skeleton_max_score));
  }

  // 3. Every buggy variant loses points where it says.
  std::vector<fs::path> patches;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.lab_dir / "buggy", ec)) {
    if (entry.path().extension() == ".patch") patches.push_back(entry.path());
  }
  std::sort(patches.begin(), patches.end());
  if (patches.empty()) out << "note    no known-buggy variants (labs/<id>/buggy/*.patch)\n";
  for (const auto& patch : patches) {
    BuggyVariant variant = ParseBuggyPatch(patch, ReadWholeFile(patch).value_or(""));
    std::string name = patch.filename().string();
    std::vector<std::string> problems;
    for (const auto& item : variant.caught_by) {
      bool known = std::any_of(lab.rubric.begin(), lab.rubric.end(),
                               [&](const RubricItem& r) { return r.name == item; });
      if (!known) problems.push_back(fmt::format("Caught-by names no rubric item: \"{}\"", item));
    }
    std::random_device random;
    fs::path work = options.cache_dir / "work" /
                    fmt::format("buggy-{}-{:08x}", getpid(), static_cast<unsigned>(random()));
    fs::create_directories(work);
    std::string patch_error = ApplyPatch(options.solutions_dir, patch, work / "tree");
    std::string lost_in;
    if (!patch_error.empty()) {
      problems.push_back("patch -p1 failed: " + patch_error);
    } else {
      GradeResult graded = grader.GradeTree(work / "tree");
      if (!graded.Compiled()) {
        const SuiteResult* failed = graded.FirstBuildFailure();
        problems.push_back("does not compile:\n" + (failed ? failed->build.errors : ""));
      } else {
        if (graded.score.total >= 100 - 1e-6) problems.push_back("loses no points");
        for (const auto& item : graded.score.items) {
          if (item.earned < item.possible - 1e-6) {
            lost_in += (lost_in.empty() ? "" : ", ") + item.item->name;
          }
        }
        for (const auto& item : variant.caught_by) {
          const ItemScore* s = graded.score.Find(item);
          if (s && s->earned >= s->possible - 1e-6) {
            problems.push_back(fmt::format("loses no points in \"{}\"", item));
          }
        }
        lost_in = fmt::format("score {}; lost points in: {}", Points(graded.score.total),
                              lost_in.empty() ? "nothing" : lost_in);
      }
    }
    fs::remove_all(work, ec);
    if (problems.empty()) {
      out << fmt::format("{}  {}: {} ({})\n", good("CAUGHT"), name, variant.description, lost_in);
    } else {
      ok = false;
      out << fmt::format("{}  {}: {}{}\n", bad("MISSED"), name, variant.description,
                         lost_in.empty() ? "" : " (" + lost_in + ")");
      for (const auto& p : problems) out << "        - " << p << "\n";
    }
  }
  out << (ok ? good("Self-check passed.") : bad("Self-check FAILED.")) << "\n";
  return ok;
}

}  // namespace labkit::grader
