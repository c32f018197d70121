// grader/grade.h: the whole grading pipeline for one lab.
//
//   intake -> reference run (cached) -> build -> run -> score
//
// A Grader is made once per lab (it stages the kits and runs or loads the
// reference) and then grades any number of submissions. Reporting is report.h.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "grader/build.h"
#include "grader/kit.h"
#include "grader/lab_config.h"
#include "grader/runner.h"
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
  // mounts lives here, so uid 65534 must be able to reach it (not under /root).
  std::filesystem::path cache_dir;
  int jobs = 1;  // tests run at once; forced to 1 when root (see sandbox.cc)
};

// The reference's view of one suite: its tests and each test's digest.
struct ReferenceSuite {
  std::vector<std::string> tests;
  std::map<std::string, std::string> digests;
};

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
  std::string intake_error;           // the upload was rejected (score 0)
  std::vector<std::string> accepted;  // "student/x.cc" or "student/x.cc (from a/b/x.cc)"
  std::vector<std::string> ignored;   // files of the upload not used
  std::vector<std::string> missing;   // allow-listed files not found: the skeleton's used
  std::vector<std::string> notes;     // said to the student, e.g. suites not run here
  std::vector<SuiteResult> suites;    // in lab.json order
  std::vector<std::vector<std::string>> assignment;  // rubric item -> tests
  Score score;
  double seconds = 0;
  bool tampered = false;  // some test's records were forged (for the instructor)

  bool Compiled() const;
  // The first failed build, or nullptr.
  const SuiteResult* FirstBuildFailure() const;
  const TestRun* FindRun(const std::string& suite, const std::string& test) const;
};

class Grader {
 public:
  // Loads lab.json, stages the kits and runs (or loads from the cache) the
  // reference. Throws LabConfigError, KitError or GraderFault.
  explicit Grader(GradeOptions options);

  // Grades an upload (a directory or a .zip) through intake.
  GradeResult GradeUpload(const std::filesystem::path& upload);

  // Grades a trusted directory laid out like solutions/<id>: the allow-listed
  // files at their relative paths (used by `check` for the reference, the
  // skeleton and the buggy variants).
  GradeResult GradeTree(const std::filesystem::path& tree);

  const LabConfig& lab() const { return lab_; }
  const GradeOptions& options() const { return options_; }
  const std::map<std::string, ReferenceSuite>& reference() const { return reference_; }

 private:
  // A fresh directory under <cache-dir>/work, removed when it goes out of scope
  // (also when grading throws).
  class WorkDir {
   public:
    explicit WorkDir(std::filesystem::path path) : path_(std::move(path)) {}
    ~WorkDir();
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

   private:
    std::filesystem::path path_;
  };
  WorkDir NewWorkDir(const std::string& what);
  void LoadOrRunReference();
  void ListTestsOfSkeleton();
  void LeaveOutSuitesWithoutKits();
  GradeResult GradeScratch(const std::filesystem::path& scratch, GradeResult result);
  std::map<std::string, TestRun> RunSuite(const SuiteResult& suite,
                                          const std::filesystem::path& work,
                                          const std::map<std::string, std::string>* digests);

  GradeOptions options_;
  LabConfig lab_;
  std::map<std::string, StagedKit> kits_;  // by suite
  std::map<std::string, ReferenceSuite> reference_;
  std::map<std::string, const RubricItem*> item_of_test_;  // "suite/test" -> item
  std::vector<std::vector<std::string>> assignment_;
  std::vector<std::string> notes_;  // copied into every GradeResult
};

}  // namespace labkit::grader
