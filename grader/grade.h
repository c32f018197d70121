// grader/grade.h: the whole grading pipeline for one lab.
//
//   intake -> reference run (cached) -> build -> run -> score
//
// A Grader is made once per lab (it stages the kits and runs or loads the
// reference) and then grades any number of submissions. Reporting is report.h.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grader/build.h"
#include "grader/kit.h"
#include "grader/lab_config.h"
#include "grader/runner.h"
#include "grader/sandbox_ids.h"
#include "grader/score.h"

namespace labkit::grader {

struct GradeOptions {
  std::filesystem::path lab_dir;  // labs/<id> (lab.json, student/ skeleton, buggy/)
  // solutions/<id>. Empty in a student's own repository (./labkit export): then
  // the tests are listed from the skeleton, no observation digests are checked,
  // and suites without a kit (the hidden tests) are left out, with a note.
  std::filesystem::path solutions_dir;
  KitFiles kit_files;                                 // where the kits' files are
  std::map<std::string, std::filesystem::path> kits;  // suite name -> <suite>_kit.kit.json
  // Staged kits, the reference cache and scratch trees. Everything the sandbox
  // mounts lives here, so the sandbox's uids must be able to reach it (every
  // directory above it searchable by others: not under /root). As root the
  // grader closes it to them: the reference results are root's alone, each
  // submission's work directory belongs to its grade group (shared_dirs.h).
  std::filesystem::path cache_dir;
  int jobs = 1;  // tests of one submission run at once
  // Overrides lab.json's budget_seconds when > 0 (the whole grade's time).
  double budget_seconds = 0;
};

// The reference's view of one suite: its tests, each test's digest and how
// long each took (per-test limits are derived from it: lab_config.h).
struct ReferenceSuite {
  std::vector<std::string> tests;
  std::map<std::string, std::string> digests;
  std::map<std::string, ReferenceTiming> timings;
};

// How a grade ended, for scripts and the gradebook (StatusName gives the word).
enum class GradeStatus {
  kOk,              // built and every test ran (whatever the score)
  kRejectedUpload,  // intake refused the upload: corrupt zip, links, ...
  kMissingFiles,    // the upload holds none of the lab's files: nothing was built
  kCompileError,    // a file does not compile, or hit the compile limit
  kRejectedCode,    // broke an object rule: reserved symbols, interposition, ...
  kLinkError,       // compiles, but does not link with the tests
  kOutOfTime,       // the lab's budget_seconds ran out before every test ran
};
const char* StatusName(GradeStatus status);  // "ok", "compile error", ...

struct SuiteResult {
  const SuiteConfig* suite = nullptr;
  BuildResult build;
  std::map<std::string, TestRun> runs;  // by test name; empty when the build failed
};

// The result of grading one submission. Its SuiteConfig and RubricItem
// pointers (SuiteResult::suite, Score's ItemScore::item) point into the
// Grader's LabConfig: keep the Grader alive while a result is used.
struct GradeResult {
  LabConfig lab;
  std::string intake_error;                   // the upload was rejected (score 0)
  std::vector<std::string> accepted;          // "student/x.cc" or "student/x.cc (from a/b/x.cc)"
  std::vector<std::string> ignored;           // files of the upload not used
  std::vector<std::string> missing;           // allow-listed files not found: the skeleton's used
  std::vector<std::string> notes;             // said to the student, e.g. suites not run here
  std::vector<std::string> instructor_notes;  // said to the instructor only
  std::vector<SuiteResult> suites;            // in lab.json order
  std::vector<std::vector<std::string>> assignment;  // rubric item -> tests
  Score score;
  double seconds = 0;              // the whole grade
  double build_seconds = 0;        // of it: compiling, checking and linking
  bool tampered = false;           // some test's records were forged (for the instructor)
  int tests_not_run = 0;           // left when the budget ran out
  bool nothing_submitted = false;  // the upload held none of the lab's files

  bool Compiled() const;
  GradeStatus Status() const;
  // The broken object rule, for the student ("" unless kRejectedCode).
  std::string RejectedRule() const;
  // The first failed build, or nullptr.
  const SuiteResult* FirstBuildFailure() const;
  const TestRun* FindRun(const std::string& suite, const std::string& test) const;
};

class Grader {
 public:
  // Loads lab.json, stages the kits and runs (or loads from the cache) the
  // reference. Throws LabConfigError, KitError or GraderFault.
  explicit Grader(GradeOptions options);

  // Grades an upload (a directory or a .zip) through intake. Thread-safe:
  // a batch grades several submissions at once with one Grader.
  GradeResult GradeUpload(const std::filesystem::path& upload);

  // The result for an upload refused before intake (a bad entry of a class
  // zip): as if intake had refused it with `reason`.
  GradeResult Rejected(const std::string& reason);

  // Names what grades are made with: the lab, its kits and its reference
  // (a hash). Results graded under another key are stale.
  const std::string& Key() const { return key_; }

  // Grades a trusted directory laid out like solutions/<id>: the allow-listed
  // files at their relative paths (used by `check` for the reference, the
  // skeleton and the buggy variants).
  GradeResult GradeTree(const std::filesystem::path& tree);

  const LabConfig& lab() const { return lab_; }
  const GradeOptions& options() const { return options_; }
  const std::map<std::string, ReferenceSuite>& reference() const { return reference_; }

 private:
  // A fresh directory under <cache-dir>/work for one graded tree, with the
  // grade group its runs use (as root; shared_dirs.h). Removed, and the group
  // released, when it goes out of scope (also when grading throws).
  class WorkDir {
   public:
    WorkDir(std::filesystem::path path, IdLease group_lease);
    ~WorkDir();
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::optional<gid_t> group() const { return group_; }

   private:
    std::filesystem::path path_;
    IdLease group_lease_;
    std::optional<gid_t> group_;
  };
  WorkDir NewWorkDir(const std::string& what);
  BuildOptions BuildOptionsForWork(const WorkDir& work) const;
  void LoadOrRunReference();
  void ListTestsOfSkeleton();
  void LeaveOutSuitesWithoutKits();
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;
  // Builds the tree at `scratch` for every suite (one result per suite, in
  // lab.json order; fewer when the deadline passes between suites).
  std::vector<BuildResult> BuildSuites(const WorkDir& work, const std::filesystem::path& scratch,
                                       const Deadline& deadline);
  GradeResult GradeScratch(const WorkDir& work, GradeResult result);
  // Copies a trusted tree's allow-listed files (the skeleton's, the
  // reference's) into `work` and builds them; throws GraderFault naming
  // `what` if a suite does not build.
  std::vector<BuildResult> BuildTrustedTree(const WorkDir& work, const std::filesystem::path& tree,
                                            const std::string& what);
  // The tests a trusted build of `suite` lists (--gtest_list_tests).
  std::vector<std::string> ListSuiteTests(const WorkDir& work, const SuiteConfig& suite,
                                          const std::filesystem::path& trusted_binary);
  // Runs every test of a built suite. With `reference` (a submission's run),
  // each test gets limits derived from the reference's timing and must match
  // its digest; tests not started before `deadline` are not run.
  std::map<std::string, TestRun> RunSuite(const SuiteResult& suite, const WorkDir& work,
                                          const ReferenceSuite* reference, Deadline deadline);

  GradeOptions options_;
  LabConfig lab_;
  std::map<std::string, StagedKit> kits_;  // by suite
  std::map<std::string, ReferenceSuite> reference_;
  std::map<std::string, const RubricItem*> item_of_test_;  // "suite/test" -> item
  std::vector<std::vector<std::string>> assignment_;
  std::vector<std::string> notes_;  // copied into every GradeResult
  std::vector<std::string> notes_for_instructor_;
  std::string key_;
};

}  // namespace labkit::grader
