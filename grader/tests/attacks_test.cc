// Attack submissions against the whole pipeline, each beside its honest twin
// (grader/tests/submissions/<attack>/student/toy.cc says which): an attack
// must never score more than the twin it cheats for, and where the grader
// can tell, the student is told the rule it broke.
//
// Built twice (BUILD): attacks_test in the sandbox mode this machine has
// (bubblewrap here), attacks_fallback_test with LABKIT_ISOLATION=rlimits, the
// mode Gradescope's containers get. The toy lab is copied out of the
// runfiles into a world-readable folder, as an instructor's repository is,
// so that the fallback (which hides nothing by namespaces) is really tested;
// attack sources name its secret files through @PLACEHOLDERS@ the test fills in.
//
// Needs root (the sandbox switches uids) and runs outside Bazel's sandbox.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "grader/grade.h"
#include "grader/report.h"
#include "grader/sandbox_ids.h"
#include "grader/tests/toylab_env.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Processes of the sandbox's uids left by this grader: anything of a run that
// outlived it would have been reparented to us (the grader is a subreaper).
// Other graders on the machine use the same uids for their own runs.
std::vector<std::string> SandboxProcesses() {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    long ppid = -1, uid = -1;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0) ppid = std::strtol(line.c_str() + 5, nullptr, 10);
      if (line.rfind("Uid:", 0) == 0) uid = std::strtol(line.c_str() + 4, nullptr, 10);
    }
    if (ppid == getpid() && uid >= 0 && SandboxIds().IsRunUid(static_cast<uid_t>(uid))) {
      found.push_back(pid);
    }
  }
  return found;
}

class Attacks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    char pattern[] = "/tmp/labkit-attacks-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = new fs::path(pattern);
    fs::permissions(*root_, fs::perms(0755));
    // The instructor's repository: readable by everyone, as a clone is.
    lab_ = new fs::path(*root_ / "lab");
    fs::copy(testing::ToyLab(), *lab_,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    for (auto& entry : fs::recursive_directory_iterator(*lab_)) {
      if (entry.is_symlink()) {
        fs::path target = fs::canonical(entry.path());
        fs::remove(entry.path());
        fs::copy(target, entry.path());
      }
    }
    fs::permissions(*lab_, fs::perms(0755));
    for (auto& entry : fs::recursive_directory_iterator(*lab_)) {
      fs::permissions(entry.path(), entry.is_directory() ? fs::perms(0755) : fs::perms(0644));
    }
    cache_ = new fs::path(*root_ / "cache");
    GradeOptions options = testing::ToyLabOptions(*cache_);
    options.lab_dir = *lab_;
    options.solutions_dir = *lab_ / "solution";
    grader_ = new Grader(options);
    results_ = new std::map<std::string, GradeResult>;
    for (const auto& entry : fs::directory_iterator(*cache_ / "reference")) {
      if (entry.path().extension() == ".json") reference_file_ = new fs::path(entry.path());
    }
    ASSERT_NE(reference_file_, nullptr) << "the reference run was not cached";
  }

  static void TearDownTestSuite() {
    delete grader_;
    delete results_;
    if (root_) fs::remove_all(*root_);
    delete root_;
    delete lab_;
    delete cache_;
    delete reference_file_;
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the sandbox needs root";
    const char* expected = std::getenv("LABKIT_EXPECT_ISOLATION");
    if (expected != nullptr) ASSERT_STREQ(IsolationName(DetectIsolation()), expected);
  }

  // The staged link inputs of the hidden kit: the compiled hidden tests.
  static std::string HiddenKitLibs() {
    for (const auto& kit : fs::directory_iterator(*cache_ / "kits")) {
      for (const auto& file : fs::recursive_directory_iterator(kit.path() / "libs")) {
        if (file.path().filename().string().starts_with("libhidden_tests")) {
          return (kit.path() / "libs").string();
        }
      }
    }
    ADD_FAILURE() << "the hidden kit is not staged";
    return "";
  }

  static std::map<std::string, std::string> Secrets() {
    return {{"@SOLUTION_FILE@", (*lab_ / "solution/student/toy.cc").string()},
            {"@SOLUTION_DIR@", (*lab_ / "solution").string()},
            {"@HIDDEN_TEST_FILE@", (*lab_ / "hidden/toy_hidden_test.cc").string()},
            {"@HIDDEN_DIR@", (*lab_ / "hidden").string()},
            {"@REFERENCE_FILE@", reference_file_->string()},
            {"@REFERENCE_DIR@", (*cache_ / "reference").string()},
            {"@HIDDEN_KIT_LIBS@", HiddenKitLibs()},
            {"@WORK_DIR@", (*cache_ / "work").string()}};
  }

  // grader/tests/submissions/<name> as an upload, placeholders filled in.
  static fs::path Upload(const std::string& name, const std::string& copy = "") {
    fs::path upload = *root_ / "uploads" / (name + copy);
    fs::create_directories(upload / "student");
    std::string source = ReadFile(testing::Submission(name) / "student/toy.cc");
    for (const auto& [placeholder, value] : Secrets()) ReplaceAll(source, placeholder, value);
    std::ofstream(upload / "student/toy.cc") << source;
    return upload;
  }

  // Grades grader/tests/submissions/<name>, once.
  static const GradeResult& Grade(const std::string& name) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = results_->find(name);
      if (it != results_->end()) return it->second;
    }
    GradeResult result = grader_->GradeUpload(Upload(name));
    std::lock_guard<std::mutex> lock(mutex_);
    return results_->emplace(name, std::move(result)).first->second;
  }

  static std::string Student(const GradeResult& r) {
    return FormatReport(r, {}) + GradescopeResults(r).dump();
  }

  static void ExpectNoMoreThanTwin(const std::string& attack, const std::string& twin) {
    const GradeResult& a = Grade(attack);
    const GradeResult& t = Grade(twin);
    EXPECT_LE(a.score.total, t.score.total + 1e-9)
        << attack << " scored more than its twin " << twin << "\n"
        << InstructorLog(a);
  }

  static void ExpectRejected(const std::string& attack, const std::string& twin,
                             const std::string& rule) {
    ExpectNoMoreThanTwin(attack, twin);
    const GradeResult& a = Grade(attack);
    EXPECT_EQ(a.Status(), GradeStatus::kRejectedCode) << InstructorLog(a);
    EXPECT_EQ(a.score.total, 0);
    EXPECT_NE(a.RejectedRule().find(rule), std::string::npos) << a.RejectedRule();
    // The student sees the rule; the instructor also sees the evidence.
    EXPECT_NE(Student(a).find(rule), std::string::npos);
    EXPECT_NE(InstructorLog(a).find("evidence:"), std::string::npos);
  }

  static void ExpectCompileFailure(const std::string& attack, const std::string& message) {
    ExpectNoMoreThanTwin(attack, "honest");
    const GradeResult& a = Grade(attack);
    EXPECT_EQ(a.Status(), GradeStatus::kCompileError) << InstructorLog(a);
    EXPECT_EQ(a.score.total, 0);
    EXPECT_NE(Student(a).find(message), std::string::npos) << Student(a);
    EXPECT_EQ(SandboxProcesses(), std::vector<std::string>{});
  }

  static std::string Reason(const GradeResult& r, const std::string& test) {
    const TestRun* run = r.FindRun("public", test);
    return run ? run->reason : "(not run)";
  }

  static fs::path* root_;
  static fs::path* lab_;
  static fs::path* cache_;
  static fs::path* reference_file_;
  static Grader* grader_;
  static std::map<std::string, GradeResult>* results_;
  static std::mutex mutex_;
};

fs::path* Attacks::root_ = nullptr;
fs::path* Attacks::lab_ = nullptr;
fs::path* Attacks::cache_ = nullptr;
fs::path* Attacks::reference_file_ = nullptr;
Grader* Attacks::grader_ = nullptr;
std::map<std::string, GradeResult>* Attacks::results_ = nullptr;
std::mutex Attacks::mutex_;

// --- The twins themselves. ---------------------------------------------------

TEST_F(Attacks, TwinsScoreAsExpected) {
  EXPECT_EQ(Grade("honest").score.total, 100) << InstructorLog(Grade("honest"));
  const GradeResult& leak = Grade("leak");
  EXPECT_LT(leak.score.total, 100);
  EXPECT_EQ(Reason(leak, "AddPublic.Small"), "leaked memory (LeakSanitizer)")
      << InstructorLog(leak);
}

// --- Sanitizer and runtime hooks. ---------------------------------------------

TEST_F(Attacks, LeakSanitizerTurnedOffByItsHook) {
  ExpectRejected("lsan_turned_off", "leak",
                 "defines a symbol the grader reserves: __lsan_is_turned_off");
}

TEST_F(Attacks, LeaksSuppressedByDefault) {
  ExpectRejected("lsan_suppressions", "leak",
                 "defines a symbol the grader reserves: __lsan_default_suppressions");
}

TEST_F(Attacks, AddressSanitizerOptionsHook) {
  ExpectRejected("asan_options_hook", "leak",
                 "defines a symbol the grader reserves: __asan_default_options");
}

TEST_F(Attacks, LeakSanitizerDisabledByACall) {
  ExpectRejected("lsan_disable_call", "leak", "calls the sanitizers' interface");
}

TEST_F(Attacks, RerunWithOtherSanitizerSettingsIsRefusedAtRunTime) {
  ExpectNoMoreThanTwin("reexec_without_leak_check", "leak");
  const GradeResult& a = Grade("reexec_without_leak_check");
  EXPECT_EQ(a.Status(), GradeStatus::kOk);
  EXPECT_EQ(Reason(a, "AddPublic.Small"), "leaked memory (LeakSanitizer)") << InstructorLog(a);
}

TEST_F(Attacks, SkippingTheAtExitLeakCheckGainsNothing) {
  ExpectNoMoreThanTwin("skip_exit_leak_check", "leak");
  const GradeResult& a = Grade("skip_exit_leak_check");
  EXPECT_EQ(Reason(a, "AddPublic.Small"), "leaked memory (LeakSanitizer)") << InstructorLog(a);
}

TEST_F(Attacks, CodeBeforeTheRuntimes) {
  ExpectRejected("preinit_hook", "leak", "has a .preinit_array section");
  ExpectRejected("ifunc_resolver", "honest", "defines an indirect function (IFUNC)");
}

// --- Symbol interposition. ----------------------------------------------------

TEST_F(Attacks, InterposingOnLibc) {
  ExpectRejected("interpose_write", "leak", "defines a symbol the grader reserves: write");
  ExpectRejected("interpose_exit", "leak", "defines a symbol the grader reserves: _exit");
  // nm lists symbols by name: free comes before malloc.
  ExpectRejected("interpose_malloc", "leak", "defines a symbol the grader reserves: free");
}

TEST_F(Attacks, ReplacingOperatorNew) {
  ExpectRejected("replace_operator_new", "leak", "replaces the global operator ");
}

TEST_F(Attacks, HelpersAtGlobalScopeAreTheStudentsOwn) {
  // Not an attack: correct code with global helpers scores as its twin.
  const GradeResult& a = Grade("global_helper");
  EXPECT_EQ(a.Status(), GradeStatus::kOk) << InstructorLog(a);
  EXPECT_EQ(a.score.total, Grade("honest").score.total) << InstructorLog(a);
}

TEST_F(Attacks, WhatTheCompilerEmitsForOrdinaryCppIsAllowed) {
  // Not an attack: exceptions caught, thread_local, virtual classes, ...
  const GradeResult& a = Grade("modern_cpp");
  EXPECT_EQ(a.Status(), GradeStatus::kOk) << InstructorLog(a);
  EXPECT_EQ(a.score.total, Grade("honest").score.total) << InstructorLog(a);
}

TEST_F(Attacks, ReplacingTheLabsGivenCode) {
  // The twin loses half of ReversePublic.Word to the given code's check.
  EXPECT_EQ(Grade("reverse_breaks_palindromes").Status(), GradeStatus::kOk);
  EXPECT_LT(Grade("reverse_breaks_palindromes").score.total, 100);
  ExpectRejected("replace_given_code", "reverse_breaks_palindromes",
                 "defines `toylab::CommonPrefixLength(std::__cxx11::basic_string<char, "
                 "std::char_traits<char>, std::allocator<char> > const&, "
                 "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> "
                 "> const&)`, which the lab's given code or its tests define too");
}

TEST_F(Attacks, TakingOverCrashHandling) {
  ExpectRejected("signal_handler", "honest", "calls `sigaction`");
}

// --- What a compile can see, and compile-time bombs. --------------------------

TEST_F(Attacks, CompilerCannotReadTheSolution) {
  ExpectCompileFailure("include_solution", "does not build");
  ExpectCompileFailure("include_hidden_test", "does not build");
  for (const char* secret : {"HIDDEN-SECRET-EXPECTED-VALUE", "5000050000"}) {
    EXPECT_EQ(Student(Grade("include_hidden_test")).find(secret), std::string::npos);
  }
}

TEST_F(Attacks, AssemblerCannotReadTheReferenceCache) {
  ExpectCompileFailure("incbin_reference", "does not build");
  EXPECT_EQ(Student(Grade("incbin_reference")).find("digests"), std::string::npos);
}

TEST_F(Attacks, ProbingWithHasIncludeFindsNothingToRead) {
  // With bubblewrap the files do not exist for the compiler: the probe finds
  // nothing and Add is right. In the fallback they exist but are closed: GCC
  // then stops at the probe ("Permission denied"), a compile error. Either
  // way nothing is read and the score is no higher than the twin's.
  ExpectNoMoreThanTwin("has_include_probe", "honest");
  const GradeResult& a = Grade("has_include_probe");
  if (DetectIsolation() == Isolation::kBubblewrap) {
    EXPECT_EQ(a.score.total, Grade("honest").score.total) << InstructorLog(a);
  } else {
    EXPECT_EQ(a.Status(), GradeStatus::kCompileError) << InstructorLog(a);
    EXPECT_NE(InstructorLog(a).find("Permission denied"), std::string::npos);
  }
}

TEST_F(Attacks, CompileTimeBombsHitTheCompileLimit) {
  ExpectCompileFailure("diagnostics_bomb", "compile limit");
  ExpectCompileFailure("template_bomb", "compile limit");
  ExpectCompileFailure("include_dev_zero", "does not build");
}

// --- What a test can see and change at run time. ------------------------------

TEST_F(Attacks, TestsCannotReadSecretsOrPoisonTheCache) {
  std::string before = ReadFile(*reference_file_);
  const GradeResult& a = Grade("read_secrets");
  ExpectNoMoreThanTwin("read_secrets", "honest");
  const TestRun* run = a.FindRun("public", "ReversePublic.Word");
  ASSERT_NE(run, nullptr);
  std::istringstream lines(run->stdout_data);
  std::string line;
  int attempts = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("READ ", 0) == 0 || line.rfind("WROTE ", 0) == 0) ADD_FAILURE() << line;
    if (line.rfind("DENIED ", 0) == 0) ++attempts;
  }
  EXPECT_GE(attempts, 10) << run->stdout_data;  // its own lines, then the test's message
  EXPECT_FALSE(fs::exists(*cache_ / "reference/poison.json"));
  EXPECT_EQ(ReadFile(*reference_file_), before);
  std::string student = Student(a);
  for (const char* secret : {"HIDDEN-SECRET-EXPECTED-VALUE", "5000050000", "digests"}) {
    EXPECT_EQ(student.find(secret), std::string::npos) << secret;
  }
}

TEST_F(Attacks, NothingOutlivesItsTest) {
  ExpectNoMoreThanTwin("daemon_left_behind", "honest");
  EXPECT_EQ(Grade("daemon_left_behind").score.total, 100);
  EXPECT_EQ(SandboxProcesses(), std::vector<std::string>{});
}

// --- Grading side by side. -----------------------------------------------------

TEST_F(Attacks, ForkBombBesideAnHonestSubmissionChangesNothing) {
  const double alone = Grade("honest").score.total;
  GradeResult bomb, honest;
  std::thread bomber([&] { bomb = grader_->GradeUpload(Upload("fork_bomb", "-beside")); });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the bomb is running its tests
  honest = grader_->GradeUpload(Upload("honest", "-beside"));
  bomber.join();
  EXPECT_EQ(honest.score.total, alone) << InstructorLog(honest);
  EXPECT_LT(bomb.score.total, 100);
  EXPECT_EQ(SandboxProcesses(), std::vector<std::string>{});
}

}  // namespace
}  // namespace labkit::grader
