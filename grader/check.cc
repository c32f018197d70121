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
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

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
    if (as_root) {
      lchown(path.c_str(), 0, kPatchGroup);
    }
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
  if (result.ExitedCleanly()) {
    return "";
  }
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
    if (line.starts_with("--- ") || line.starts_with("diff ")) {
      break;
    }
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
        if (!name.empty()) {
          variant.caught_by.push_back(name);
        }
      }
    } else if (!description_done) {
      variant.description += (variant.description.empty() ? "" : " ") + t;
    }
  }
  if (variant.description.empty()) {
    variant.description = "(no description line)";
  }
  return variant;
}

namespace {

// The outcome of one check: its lines for the report, and whether it passed.
struct CheckOutcome {
  bool ok = true;
  std::string text;
};

class Paint {
 public:
  explicit Paint(bool color) : color_(color) {}
  std::string Good(const std::string& s) const {
    return color_ ? fmt::format(fmt::fg(fmt::color::green), "{}", s) : s;
  }
  std::string Bad(const std::string& s) const {
    return color_ ? fmt::format(fmt::fg(fmt::color::red), "{}", s) : s;
  }

 private:
  bool color_;
};

CheckOutcome CheckReference(Grader& grader, const Paint& paint) {
  GradeResult reference = grader.GradeTree(grader.options().solutions_dir);
  if (reference.score.total >= 100 - 1e-6) {
    return {true, fmt::format("{}  reference scores 100\n", paint.Good("OK    "))};
  }
  return {false, fmt::format("{}  reference scores {} (expected 100)\n{}", paint.Bad("FAIL  "),
                             Points(reference.score.total), InstructorLog(reference))};
}

CheckOutcome CheckSkeleton(Grader& grader, const Paint& paint) {
  const LabConfig& lab = grader.lab();
  GradeResult skeleton = grader.GradeTree(grader.options().lab_dir);
  if (!skeleton.Compiled()) {
    const SuiteResult* failed = skeleton.FirstBuildFailure();
    return {false, fmt::format("{}  the skeleton does not build:\n{}", paint.Bad("FAIL  "),
                               failed ? failed->build.errors : "")};
  }
  if (skeleton.score.total > lab.skeleton_max_score + 1e-6) {
    return {false,
            fmt::format("{}  the skeleton scores {} (at most {} allowed by skeleton_max_score)\n",
                        paint.Bad("FAIL  "), Points(skeleton.score.total),
                        Points(lab.skeleton_max_score))};
  }
  return {true, fmt::format("{}  skeleton builds and scores {} (<= {})\n", paint.Good("OK    "),
                            Points(skeleton.score.total), Points(lab.skeleton_max_score))};
}

CheckOutcome CheckVariant(Grader& grader, const fs::path& patch, const Paint& paint) {
  const LabConfig& lab = grader.lab();
  const GradeOptions& options = grader.options();
  BuggyVariant variant = ParseBuggyPatch(patch, ReadWholeFile(patch).value_or(""));
  std::string name = patch.filename().string();
  std::vector<std::string> problems;
  for (const auto& item : variant.caught_by) {
    bool known = std::any_of(lab.rubric.begin(), lab.rubric.end(),
                             [&](const RubricItem& r) { return r.name == item; });
    if (!known) {
      problems.push_back(fmt::format("Caught-by names no rubric item: \"{}\"", item));
    }
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
      if (graded.score.total >= 100 - 1e-6) {
        problems.push_back("loses no points");
      }
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
      lost_in = fmt::format("score {}; lost points in: {}; graded in {:.0f} s",
                            Points(graded.score.total), lost_in.empty() ? "nothing" : lost_in,
                            graded.seconds);
    }
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  if (problems.empty()) {
    return {true, fmt::format("{}  {}: {} ({})\n", paint.Good("CAUGHT"), name, variant.description,
                              lost_in)};
  }
  std::string text = fmt::format("{}  {}: {}{}\n", paint.Bad("MISSED"), name, variant.description,
                                 lost_in.empty() ? "" : " (" + lost_in + ")");
  for (const auto& p : problems) {
    text += "        - " + p + "\n";
  }
  return {false, text};
}

}  // namespace

bool RunSelfCheck(Grader& grader, std::ostream& out, bool color, int jobs) {
  const LabConfig& lab = grader.lab();
  const Paint paint(color);
  out << fmt::format("Self-check of lab {} ({} rubric items, {} suites)\n", lab.id,
                     lab.rubric.size(), lab.suites.size());
  size_t total_tests = 0;
  for (const auto& [suite, ref] : grader.reference()) {
    total_tests += ref.tests.size();
  }
  out << fmt::format("{}  rubric: each of the {} tests matches exactly one item\n",
                     paint.Good("OK    "), total_tests);

  // The checks: the reference scores 100, the skeleton builds and scores (next to)
  // nothing, every buggy variant loses points where it says. Graded `jobs` at a time,
  // reported in this order as they finish.
  std::vector<std::function<CheckOutcome()>> checks = {
      [&] { return CheckReference(grader, paint); },
      [&] { return CheckSkeleton(grader, paint); },
  };
  std::vector<fs::path> patches;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(grader.options().lab_dir / "buggy", ec)) {
    if (entry.path().extension() == ".patch") {
      patches.push_back(entry.path());
    }
  }
  std::sort(patches.begin(), patches.end());
  for (const fs::path& patch : patches) {
    checks.push_back([&, patch] { return CheckVariant(grader, patch, paint); });
  }
  std::vector<std::optional<CheckOutcome>> outcomes(checks.size());
  std::mutex mutex;
  std::condition_variable finished;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < checks.size(); i = next++) {
      CheckOutcome outcome;
      try {
        outcome = checks[i]();
      } catch (const std::exception& e) {
        outcome = {false, fmt::format("{}  {}\n", paint.Bad("FAIL  "), e.what())};
      }
      std::lock_guard<std::mutex> lock(mutex);
      outcomes[i] = std::move(outcome);
      finished.notify_all();
    }
  };
  std::vector<std::thread> pool;
  const int threads = std::max(1, std::min(jobs, static_cast<int>(checks.size())));
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back(worker);
  }
  bool ok = true;
  for (size_t i = 0; i < checks.size(); ++i) {
    std::unique_lock<std::mutex> lock(mutex);
    finished.wait(lock, [&] { return outcomes[i].has_value(); });
    ok = ok && outcomes[i]->ok;
    out << outcomes[i]->text << std::flush;
    if (i == 1 && patches.empty()) {
      out << "note    no known-buggy variants (labs/<id>/buggy/*.patch)\n";
    }
  }
  for (auto& t : pool) {
    t.join();
  }
  out << (ok ? paint.Good("Self-check passed.") : paint.Bad("Self-check FAILED.")) << "\n";
  return ok;
}

}  // namespace labkit::grader
