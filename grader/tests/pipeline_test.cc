// End-to-end tests: the real pipeline (intake, reference, sandboxed build and
// runs, scoring, reports) on the toy lab, with honest and hostile submissions.
//
// Needs root (the sandbox drops to uid 65534) and runs outside Bazel's sandbox
// (tags no-sandbox, local, exclusive); skipped otherwise.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "grader/check.h"
#include "grader/grade.h"
#include "grader/report.h"
#include "grader/tests/toylab_env.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

class Pipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    cache_dir_ = new fs::path(testing::MakeCacheDir());
    grader_ = new Grader(testing::ToyLabOptions(*cache_dir_));
    results_ = new std::map<std::string, GradeResult>;
  }
  static void TearDownTestSuite() {
    delete grader_;
    delete results_;
    if (cache_dir_) fs::remove_all(*cache_dir_);
    delete cache_dir_;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the sandbox needs root";
  }

  // Grades grader/tests/submissions/<name> as an upload (copied out of the
  // runfiles tree, whose symlinks intake rightly refuses). Graded once.
  static const GradeResult& Grade(const std::string& name) {
    auto it = results_->find(name);
    if (it != results_->end()) return it->second;
    fs::path upload = *cache_dir_ / "uploads" / name;
    fs::create_directories(upload);
    fs::copy(testing::Submission(name), upload, fs::copy_options::recursive);
    return results_->emplace(name, grader_->GradeUpload(upload)).first->second;
  }

  static const TestRun* Run(const GradeResult& r, const std::string& suite,
                            const std::string& test) {
    return r.FindRun(suite, test);
  }

  static bool Passed(const GradeResult& r, const std::string& suite, const std::string& test) {
    const TestRun* run = r.FindRun(suite, test);
    return run && run->passed;
  }

  static std::string Reason(const GradeResult& r, const std::string& test) {
    const TestRun* run = r.FindRun("public", test);
    return run ? run->reason : "(not run)";
  }

  static fs::path* cache_dir_;
  static Grader* grader_;
  static std::map<std::string, GradeResult>* results_;
};

fs::path* Pipeline::cache_dir_ = nullptr;
Grader* Pipeline::grader_ = nullptr;
std::map<std::string, GradeResult>* Pipeline::results_ = nullptr;

TEST_F(Pipeline, ReferenceListsTestsFromTheTrustedBuild) {
  const auto& ref = grader_->reference();
  ASSERT_EQ(ref.count("public"), 1u);
  EXPECT_EQ(ref.at("public").tests.size(), 4u);
  EXPECT_EQ(ref.at("hidden").tests.size(), 3u);
  EXPECT_EQ(ref.at("public").digests.size(), 4u);
}

TEST_F(Pipeline, HonestSolutionScores100) {
  const GradeResult& r = Grade("honest");
  EXPECT_TRUE(r.Compiled());
  EXPECT_NEAR(r.score.total, 100, 1e-6) << InstructorLog(r);
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_FALSE(r.tampered);
  auto json = GradescopeResults(r);
  EXPECT_DOUBLE_EQ(json["score"].get<double>(), 100);
}

TEST_F(Pipeline, SkeletonScoresZeroAndBuilds) {
  GradeResult r = grader_->GradeTree(testing::ToyLab());
  EXPECT_TRUE(r.Compiled());
  EXPECT_EQ(r.score.total, 0);
}

TEST_F(Pipeline, SkeletonFailuresNameTheFunction) {
  GradeResult r = grader_->GradeTree(testing::ToyLab());
  EXPECT_EQ(Reason(r, "AddPublic.Small"), "not implemented: toylab::Add") << InstructorLog(r);
}

TEST_F(Pipeline, FakePassLinesOnStdoutDoNotPass) {
  const GradeResult& r = Grade("fake_pass_output");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small")) << InstructorLog(r);
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Negative"));
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small"));
  EXPECT_LT(r.score.total, 100);
}

TEST_F(Pipeline, ExitZeroInsideTheFunctionDoesNotPass) {
  const GradeResult& r = Grade("exit_zero");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small"));
  EXPECT_EQ(Reason(r, "AddPublic.Small"), "result record missing or forged") << InstructorLog(r);
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small"));
}

TEST_F(Pipeline, WritingResultFilesDoesNotPass) {
  const GradeResult& r = Grade("results_file");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small"));
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small"));
  EXPECT_FALSE(fs::exists("/autograder/results/results.json"));
}

TEST_F(Pipeline, StaticInitialiserForgingRecordsDoesNotPass) {
  const GradeResult& r = Grade("static_init_forge");
  ASSERT_TRUE(r.Compiled()) << r.FirstBuildFailure()->build.errors;
  EXPECT_TRUE(r.tampered);  // flagged for the instructor
  EXPECT_NE(InstructorLog(r).find("TAMPERING"), std::string::npos);
  EXPECT_EQ(r.score.total, 0) << InstructorLog(r);
  for (const auto& s : r.suites) {
    for (const auto& [name, run] : s.runs) {
      EXPECT_FALSE(run.passed) << name;
      EXPECT_TRUE(run.reason == "results differ from the reference" ||
                  run.reason == "result record missing or forged")
          << name << ": " << run.reason;
    }
  }
}

TEST_F(Pipeline, InfiniteLoopTimesOut) {
  const GradeResult& r = Grade("infinite_loop");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small"));
  std::string reason = Reason(r, "AddPublic.Small");
  EXPECT_TRUE(reason.starts_with("timed out after") || reason.starts_with("used more than"))
      << reason;
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small"));
}

TEST_F(Pipeline, ForkBombIsContained) {
  const GradeResult& r = Grade("fork_bomb");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small"));
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Negative"));
  // Later tests run normally: nothing of the bomb survived its run.
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small")) << InstructorLog(r);
  EXPECT_TRUE(Passed(r, "hidden", "SumHidden.Large"));
}

TEST_F(Pipeline, HugeAllocationFails) {
  const GradeResult& r = Grade("huge_allocation");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small")) << InstructorLog(r);
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small"));
}

TEST_F(Pipeline, PrintingAGigabyteHitsTheOutputLimit) {
  const GradeResult& r = Grade("print_gigabyte");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small"));
  EXPECT_EQ(Reason(r, "AddPublic.Small"), "printed more than 64 KB of output") << InstructorLog(r);
  const TestRun* run = Run(r, "public", "AddPublic.Small");
  ASSERT_NE(run, nullptr);
  EXPECT_LE(run->stdout_data.size(), 2u << 20);
}

TEST_F(Pipeline, CompileErrorIsAResult) {
  const GradeResult& r = Grade("compile_error");
  EXPECT_FALSE(r.Compiled());
  EXPECT_EQ(r.score.total, 0);
  const SuiteResult* failed = r.FirstBuildFailure();
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->build.stage, "compile");
  EXPECT_NE(failed->build.errors.find("student/toy.cc:6:"), std::string::npos)
      << failed->build.errors;
  EXPECT_NE(failed->build.errors.find("error"), std::string::npos);
  EXPECT_EQ(failed->build.errors.find("/labkit/"), std::string::npos);
  std::string json = GradescopeResults(r).dump();
  EXPECT_NE(json.find("student/toy.cc:6:"), std::string::npos);
}

TEST_F(Pipeline, CallingTheHarnessIsRejectedAtBuild) {
  const GradeResult& r = Grade("report_fraction_call");
  EXPECT_FALSE(r.Compiled());
  EXPECT_EQ(r.score.total, 0);
  const SuiteResult* failed = r.FirstBuildFailure();
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->build.stage, "rules");
  EXPECT_NE(failed->build.errors.find("student/toy.cc: uses or defines `labkit::ReportFraction"),
            std::string::npos)
      << failed->build.errors;
  EXPECT_EQ(failed->build.errors.find("/labkit/"), std::string::npos) << failed->build.errors;
}

TEST_F(Pipeline, CallingAPrivateReferenceIsRejectedAtBuild) {
  const GradeResult& r = Grade("reference_call");
  EXPECT_FALSE(r.Compiled());
  EXPECT_EQ(r.score.total, 0);
  const SuiteResult* failed = r.FirstBuildFailure();
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->build.stage, "rules");
  EXPECT_NE(failed->build.errors.find("toylab_reference::Add(int, int)"), std::string::npos)
      << failed->build.errors;
}

TEST_F(Pipeline, AnUploadWithNoneOfTheFilesIsNotBuilt) {
  const GradeResult& r = Grade("missing_file");
  EXPECT_EQ(r.missing, std::vector<std::string>{"student/toy.cc"});
  EXPECT_EQ(r.Status(), GradeStatus::kMissingFiles);
  EXPECT_FALSE(r.Compiled());
  EXPECT_EQ(r.score.total, 0);
  EXPECT_NE(std::find(r.ignored.begin(), r.ignored.end(), "README.txt"), r.ignored.end());
  std::string text = FormatReport(r, {});
  EXPECT_NE(
      text.find("Nothing to grade: the upload holds none of the lab's files (student/toy.cc)"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("does not build"), std::string::npos) << text;
  EXPECT_EQ(GradescopeResults(r)["extra_data"]["status"], "missing files");
}

TEST_F(Pipeline, HiddenFailuresAreHonestAndLeakNothing) {
  const GradeResult& r = Grade("wrong_sum");
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small"));
  EXPECT_FALSE(Passed(r, "hidden", "SumHidden.Large"));
  EXPECT_EQ(HiddenFailureNote(r), "All public tests pass, but 1 hidden test fails.");
  std::string json = GradescopeResults(r).dump();
  std::string text = FormatReport(r, {});
  EXPECT_NE(json.find("All public tests pass, but 1 hidden test fails."), std::string::npos);
  const TestRun* run = Run(r, "hidden", "SumHidden.Large");
  ASSERT_NE(run, nullptr);
  // The instructor has the hidden test's output (so the checks below mean something)...
  EXPECT_NE(run->stdout_data.find("HIDDEN-SECRET-EXPECTED-VALUE"), std::string::npos);
  EXPECT_NE(InstructorLog(r).find("HIDDEN-SECRET-EXPECTED-VALUE"), std::string::npos);
  // ...and no line of it reaches the student.
  std::istringstream lines(run->stdout_data + "\n" + run->stderr_data);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() < 12 || line.find("SumHidden.Large") != std::string::npos) continue;
    EXPECT_EQ(json.find(line), std::string::npos) << line;
    EXPECT_EQ(text.find(line), std::string::npos) << line;
  }
  for (const char* secret : {"HIDDEN-SECRET-EXPECTED-VALUE", "5000050000", "toy_hidden_test.cc"}) {
    EXPECT_EQ(json.find(secret), std::string::npos) << secret;
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(json.find("Think about large n"), std::string::npos);  // the hint is shown
}

TEST_F(Pipeline, ASubmissionThatHangsEverywhereStopsAtTheBudget) {
  GradeOptions options = testing::ToyLabOptions(*cache_dir_);
  options.budget_seconds = 3;  // Add's two tests take 2 s each to time out
  Grader grader(options);
  fs::path upload = *cache_dir_ / "uploads" / "infinite_loop-budget";
  fs::create_directories(upload);
  fs::copy(testing::Submission("infinite_loop"), upload, fs::copy_options::recursive);
  GradeResult r = grader.GradeUpload(upload);
  EXPECT_EQ(r.Status(), GradeStatus::kOutOfTime) << InstructorLog(r);
  EXPECT_GT(r.tests_not_run, 0);
  EXPECT_LT(r.seconds, 3 + 2 + 5);  // the budget, the test under way then, slack
  EXPECT_NE(FormatReport(r, {}).find("ran out of its time budget (3 s"), std::string::npos);
  EXPECT_EQ(GradescopeResults(r)["extra_data"]["status"], "timed out");
}

TEST_F(Pipeline, SelfCheckPassesAndCatchesTheBuggyVariant) {
  std::ostringstream out;
  EXPECT_TRUE(RunSelfCheck(*grader_, out, false)) << out.str();
  EXPECT_NE(out.str().find("CAUGHT  sum_overflow.patch"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("reference scores 100"), std::string::npos);
}

// The kits used here are built in the test's own configuration: sanitizer
// reports only exist with --config=sanitize.
bool KitsUseAddressSanitizer() {
  return ParseKitManifest(
             [] {
               std::ifstream in(testing::ToyLab() / "public_kit.kit.json");
               std::stringstream s;
               s << in.rdbuf();
               return s.str();
             }(),
             "public_kit")
      .ReservesHugeAddressSpace();
}

TEST_F(Pipeline, UseAfterFreeIsReportedByAddressSanitizer) {
  if (!KitsUseAddressSanitizer()) GTEST_SKIP() << "run with --config=sanitize";
  const GradeResult& r = Grade("use_after_free");
  EXPECT_FALSE(Passed(r, "public", "ReversePublic.Word"));
  EXPECT_EQ(Reason(r, "ReversePublic.Word"), "AddressSanitizer: heap-use-after-free")
      << InstructorLog(r);
  EXPECT_TRUE(Passed(r, "public", "AddPublic.Small"));
}

TEST_F(Pipeline, LeakIsReportedByLeakSanitizer) {
  if (!KitsUseAddressSanitizer()) GTEST_SKIP() << "run with --config=sanitize";
  const GradeResult& r = Grade("leak");
  EXPECT_FALSE(Passed(r, "public", "AddPublic.Small"));
  EXPECT_EQ(Reason(r, "AddPublic.Small"), "leaked memory (LeakSanitizer)") << InstructorLog(r);
  EXPECT_TRUE(Passed(r, "public", "SumPublic.Small"));
}

TEST_F(Pipeline, RejectedUploadScoresZeroWithTheReason) {
  fs::path upload = *cache_dir_ / "uploads" / "symlink";
  fs::create_directories(upload / "student");
  fs::create_symlink("/etc/passwd", upload / "student/toy.cc");
  GradeResult r = grader_->GradeUpload(upload);
  EXPECT_FALSE(r.intake_error.empty());
  EXPECT_EQ(r.score.total, 0);
  EXPECT_TRUE(r.missing.empty());
  std::string json = GradescopeResults(r).dump();
  EXPECT_NE(json.find("Upload rejected"), std::string::npos) << json;
}

// Writes `files` (name -> contents) into a .zip as a student's zip tool would.
void WriteZip(const fs::path& zip, const std::map<std::string, std::string>& files) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  ASSERT_EQ(archive_write_open_filename(a, zip.c_str()), ARCHIVE_OK);
  for (const auto& [name, contents] : files) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(contents.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_write_header(a, entry);
    archive_write_data(a, contents.data(), contents.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST_F(Pipeline, ZipUploadWithNestedFolders) {
  std::ifstream in(testing::Submission("honest") / "student/toy.cc");
  std::stringstream solution;
  solution << in.rdbuf();
  fs::path zip = *cache_dir_ / "uploads" / "handin.zip";
  fs::create_directories(zip.parent_path());
  WriteZip(zip, {{"handin/labs/toylab/student/toy.cc", solution.str()},
                 {"handin/notes.txt", "my notes\n"},
                 {"__MACOSX/._toy.cc", "junk"}});
  GradeResult r = grader_->GradeUpload(zip);
  EXPECT_EQ(r.intake_error, "");
  EXPECT_NEAR(r.score.total, 100, 1e-6) << InstructorLog(r);
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_NE(r.accepted[0].find("handin/labs/toylab/student/toy.cc"), std::string::npos);
  EXPECT_NE(std::find(r.ignored.begin(), r.ignored.end(), "handin/notes.txt"), r.ignored.end());
}

TEST(BuggyPatch, HeaderParsing) {
  BuggyVariant v = ParseBuggyPatch("x.patch",
                                   "Off by one in Push.\nCaught-by: Push and pop\n"
                                   "Caught-by: Chunk boundaries, Edges\n--- a/x\n+++ b/x\n");
  EXPECT_EQ(v.description, "Off by one in Push.");
  EXPECT_EQ(v.caught_by, (std::vector<std::string>{"Push and pop", "Chunk boundaries", "Edges"}));

  // A description over several lines is one paragraph; what follows a blank line is not in it.
  v = ParseBuggyPatch("y.patch",
                      "TakeGil waits with `if`\ninstead of `while`.\n\nMore detail.\n"
                      "Caught-by: Mutual exclusion\n--- a/y\n");
  EXPECT_EQ(v.description, "TakeGil waits with `if` instead of `while`.");
  EXPECT_EQ(v.caught_by, (std::vector<std::string>{"Mutual exclusion"}));
}

}  // namespace
}  // namespace labkit::grader
