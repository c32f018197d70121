// grader/grade.cc: the grading pipeline.
//
// Design: the expensive, trusted part (staging kits, building and running the
// reference solution) happens once per lab and kit version, and its result
// (the test list of each suite and each test's observation digest) is cached
// in the cache dir under a key made of the kit hashes and the solution files'
// hashes, so a changed kit or solution can never reuse a stale reference.
// Test lists come only from that reference build: a submission cannot hide or
// rename tests. Each submission is then copied (through intake) into a fresh
// scratch tree that holds only allow-listed files, built per suite (each suite
// has its own kit, maybe another configuration), and each test is run on its
// own. Every failure a submission can cause becomes part of the result; only
// problems with the lab itself (lab.json, kits, reference) throw.
//
// The reference run also measures each test's time; a submission's tests get
// time limits derived from it (lab_config.h), and the lab's budget_seconds
// bounds a whole grade, so a submission that hangs in every test costs
// seconds per test and never more than the budget. Suites whose kits compile
// alike (kit.h: compile_key) share one compile of the submission.
//
// As root, each graded tree gets a grade group (sandbox_ids.h) that owns its
// work directory (shared_dirs.h); the cache dir itself is closed to others
// but for the staged kits, and the reference results are root's alone, so
// no submission can read the digests or poison the next one's reference.
#include "grader/grade.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "grader/files.h"
#include "grader/intake.h"
#include "grader/shared_dirs.h"

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

constexpr const char* kReferenceCacheVersion = "labkit-reference-v2";

// The sandbox runs as unprivileged uids and bind-mounts paths under the cache
// dir, so every parent of it must be searchable by others.
void CheckReachable(const fs::path& dir) {
  if (geteuid() != 0) {
    return;
  }
  fs::path abs = fs::absolute(dir);
  for (fs::path p = abs.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st;
    if (stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH)) {
      throw GraderFault(fmt::format(
          "the cache dir {} is not reachable by the sandbox's users: {} is not searchable by "
          "others. Use a cache dir outside /root, e.g. /var/cache/labkit",
          abs.string(), p.string()));
    }
    if (p == p.parent_path()) {
      break;
    }
  }
}

// As root, the cache dir and its work dir are closed to others but for
// passing through (runs reach their own work dir and the staged kits by
// path; they cannot list what is there); the reference results are root's.
void CloseCacheDir(const fs::path& cache_dir) {
  std::error_code ec;
  const bool as_root = geteuid() == 0;
  for (const char* sub : {"", "work", "kits"}) {
    fs::path dir = cache_dir / sub;
    fs::create_directories(dir, ec);
    if (as_root) {
      chown(dir.c_str(), 0, 0);
    }
    fs::permissions(
        dir, as_root && std::string_view(sub) != "kits" ? fs::perms(0711) : fs::perms(0755), ec);
  }
  fs::create_directories(cache_dir / "reference", ec);
  if (as_root) {
    chown((cache_dir / "reference").c_str(), 0, 0);
  }
  fs::permissions(cache_dir / "reference", fs::perms(0700), ec);
}

// In the fallback without namespaces the sandbox's uids see every file that
// others may read: the solutions and hidden tests must not be such files.
// Closes them (o-rwx on the directories) and says so; bubblewrap hides them
// anyway.
std::vector<std::string> CloseToOthersForFallback(const std::vector<fs::path>& dirs) {
  std::vector<std::string> closed;
  if (geteuid() != 0 || DetectIsolation() != Isolation::kRlimitsOnly) {
    return closed;
  }
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) {
      continue;
    }
    fs::perms perms = fs::status(dir, ec).permissions();
    if ((perms & fs::perms::others_all) == fs::perms::none) {
      continue;
    }
    fs::permissions(dir, fs::perms::others_all, fs::perm_options::remove, ec);
    if (!ec) {
      closed.push_back(dir.string());
    }
  }
  return closed;
}

void CopyFile(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Work dirs are named <what>-<pid>-<random>; those of graders that died (killed,
// power loss) are removed so the cache does not grow without bound.
void RemoveStaleWorkDirs(const fs::path& work_root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(work_root, ec)) {
    std::string name = entry.path().filename().string();
    auto first = name.find('-');
    auto second = name.find('-', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
      continue;
    }
    pid_t pid = static_cast<pid_t>(std::atol(name.substr(first + 1, second - first - 1).c_str()));
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
      fs::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

bool GradeResult::Compiled() const {
  return intake_error.empty() && !nothing_submitted && FirstBuildFailure() == nullptr;
}

GradeStatus GradeResult::Status() const {
  if (!intake_error.empty()) {
    return GradeStatus::kRejectedUpload;
  }
  if (nothing_submitted) {
    return GradeStatus::kMissingFiles;
  }
  for (const auto& s : suites) {
    if (s.build.ok) {
      continue;
    }
    if (s.build.stage == kStageRules) {
      return GradeStatus::kRejectedCode;
    }
    if (s.build.stage == kStageCompile) {
      return GradeStatus::kCompileError;
    }
  }
  for (const auto& s : suites) {
    if (!s.build.ok && s.build.stage == kStageLink) {
      return GradeStatus::kLinkError;
    }
  }
  for (const auto& s : suites) {
    if (!s.build.ok && s.build.stage == "budget") {
      return GradeStatus::kOutOfTime;
    }
  }
  return tests_not_run > 0 ? GradeStatus::kOutOfTime : GradeStatus::kOk;
}

std::string GradeResult::RejectedRule() const {
  for (const auto& s : suites) {
    if (!s.build.ok && s.build.stage == kStageRules) {
      return s.build.rule;
    }
  }
  return "";
}

const SuiteResult* GradeResult::FirstBuildFailure() const {
  for (const auto& s : suites) {
    if (!s.build.ok) {
      return &s;
    }
  }
  return nullptr;
}

const TestRun* GradeResult::FindRun(const std::string& suite, const std::string& test) const {
  for (const auto& s : suites) {
    if (s.suite && s.suite->name == suite) {
      auto it = s.runs.find(test);
      return it == s.runs.end() ? nullptr : &it->second;
    }
  }
  return nullptr;
}

const char* StatusName(GradeStatus status) {
  switch (status) {
    case GradeStatus::kOk:
      return "ok";
    case GradeStatus::kRejectedUpload:
      return "rejected upload";
    case GradeStatus::kMissingFiles:
      return "missing files";
    case GradeStatus::kCompileError:
      return "compile error";
    case GradeStatus::kRejectedCode:
      return "rejected code";
    case GradeStatus::kLinkError:
      return "link error";
    case GradeStatus::kOutOfTime:
      return "timed out";
  }
  return "unknown";
}

Grader::Grader(GradeOptions options) : options_(std::move(options)) {
  lab_ = LoadLabConfig(options_.lab_dir);
  if (options_.budget_seconds > 0) {
    lab_.budget_seconds = options_.budget_seconds;
  }
  if (options_.jobs < 1) {
    options_.jobs = 1;
  }
  if (geteuid() == 0) {
    if (std::string problem = CheckSandboxIdsAreFree(); !problem.empty()) {
      throw GraderFault(problem);
    }
  }
  std::error_code ec;
  fs::create_directories(options_.cache_dir, ec);
  if (ec) {
    throw GraderFault(fmt::format("cannot create the cache dir {}: {}", options_.cache_dir.string(),
                                  ec.message()));
  }
  options_.cache_dir = fs::absolute(options_.cache_dir);
  CheckReachable(options_.cache_dir);
  CloseCacheDir(options_.cache_dir);
  RemoveStaleWorkDirs(options_.cache_dir / "work");
  for (const std::string& dir :
       CloseToOthersForFallback({options_.solutions_dir, options_.lab_dir / "hidden"})) {
    notes_for_instructor_.push_back("closed " + dir +
                                    " to others: the sandbox has no namespaces here, so its "
                                    "uids could otherwise read it");
  }
  if (options_.solutions_dir.empty()) {
    LeaveOutSuitesWithoutKits();
  }
  for (const auto& suite : lab_.suites) {
    auto it = options_.kits.find(suite.name);
    if (it == options_.kits.end()) {
      throw KitError(
          fmt::format("no kit given for suite \"{}\" of lab {} (pass --kit {}=PATH/TO/{}.kit.json; "
                      "build it with: bazel build --config=reference{} {})",
                      suite.name, lab_.id, suite.name, suite.kit.substr(suite.kit.find(':') + 1),
                      suite.config.empty() ? "" : " --config=" + suite.config, suite.kit));
    }
    kits_.emplace(suite.name, StageKit(it->second, options_.kit_files, options_.cache_dir));
  }
  for (const auto& [name, path] : options_.kits) {
    if (!lab_.FindSuite(name)) {
      throw KitError(fmt::format("--kit {}=...: lab {} has no suite \"{}\"", name, lab_.id, name));
    }
  }
  LoadOrRunReference();
  TestLists lists;
  for (const auto& [suite, ref] : reference_) {
    lists[suite] = ref.tests;
  }
  assignment_ = AssignTests(lab_, lists);
  for (size_t i = 0; i < assignment_.size(); ++i) {
    for (const auto& test : assignment_[i]) {
      item_of_test_[lab_.rubric[i].suite + "/" + test] = &lab_.rubric[i];
    }
  }
}

Grader::WorkDir::WorkDir(fs::path path, IdLease group_lease)
    : path_(std::move(path)), group_lease_(std::move(group_lease)) {
  if (group_lease_.held()) {
    group_ = GroupForRuns(SandboxIds().GradeGid(group_lease_.index()));
  }
}

Grader::WorkDir::~WorkDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Grader::WorkDir Grader::NewWorkDir(const std::string& what) {
  IdLease group_lease;
  if (geteuid() == 0) {
    group_lease = LeaseGradeGroup();
  }
  std::random_device random;
  fs::path dir = options_.cache_dir / "work" /
                 fmt::format("{}-{}-{:08x}", what, getpid(), static_cast<unsigned>(random()));
  std::optional<gid_t> group;
  if (group_lease.held()) {
    group = GroupForRuns(SandboxIds().GradeGid(group_lease.index()));
  }
  MakeSharedDir(dir, group, RunAccess::kRead);
  return WorkDir(dir, std::move(group_lease));
}

// In a student's repository the hidden suites' kits do not exist: grade what
// can be graded and say plainly what was left out.
void Grader::LeaveOutSuitesWithoutKits() {
  std::vector<SuiteConfig> kept;
  for (const auto& suite : lab_.suites) {
    if (options_.kits.count(suite.name)) {
      kept.push_back(suite);
      continue;
    }
    double points = 0;
    for (const auto& item : lab_.rubric) {
      if (item.suite == suite.name) {
        points += item.points;
      }
    }
    notes_.push_back(fmt::format(
        "The {} tests ({} of the lab's {} points) are not in this repository and were not run: "
        "this score covers the other tests only.",
        suite.name, points, lab_.TotalPoints()));
  }
  std::vector<RubricItem> rubric;
  for (const auto& item : lab_.rubric) {
    if (options_.kits.count(item.suite)) {
      rubric.push_back(item);
    }
  }
  lab_.suites = std::move(kept);
  lab_.rubric = std::move(rubric);
  if (lab_.suites.empty()) {
    throw KitError("no kit given for any suite of lab " + lab_.id);
  }
}

BuildOptions Grader::BuildOptionsForWork(const WorkDir& work) const {
  BuildOptions options = BuildOptionsFor(lab_);
  options.group = work.group();
  options.jobs = options_.jobs;
  options.cache_dir = options_.cache_dir;
  return options;
}

std::vector<BuildResult> Grader::BuildSuites(const WorkDir& work, const fs::path& scratch,
                                             const Deadline& deadline) {
  // Suites whose kits compile alike share one compile (kit.h: compile_key).
  std::map<std::string, CompiledObjects> compiled_by_key;
  std::vector<BuildResult> builds;
  const BuildOptions options = BuildOptionsForWork(work);
  for (const auto& suite : lab_.suites) {
    const StagedKit& kit = kits_.at(suite.name);
    auto it = compiled_by_key.find(kit.compile_key);
    if (it == compiled_by_key.end()) {
      fs::path objects_dir = work.path() / fmt::format("objects-{}", compiled_by_key.size());
      it = compiled_by_key
               .emplace(kit.compile_key,
                        CompileSubmission(kit, scratch, lab_.student_files, objects_dir, options))
               .first;
    }
    builds.push_back(
        LinkTestBinary(kit, it->second, work.path() / ("build-" + suite.name), options));
    if (deadline && std::chrono::steady_clock::now() > *deadline) {
      break;
    }
  }
  return builds;
}

// Without a reference (a student's repository), the test list comes from the
// skeleton, which always builds; nothing is run and no digests are known.
std::vector<BuildResult> Grader::BuildTrustedTree(const WorkDir& work, const fs::path& tree,
                                                  const std::string& what) {
  fs::path scratch = work.path() / "src";
  for (const auto& file : lab_.student_files) {
    CopyFile(tree / file, scratch / file);
  }
  SealTree(scratch, work.group());
  std::vector<BuildResult> builds = BuildSuites(work, scratch, std::nullopt);
  for (size_t i = 0; i < lab_.suites.size(); ++i) {
    if (!builds[i].ok) {
      throw GraderFault(fmt::format("{} ({}) does not build with the {} kit ({} failed):\n{}", what,
                                    tree.string(), lab_.suites[i].name, builds[i].stage,
                                    builds[i].errors));
    }
  }
  return builds;
}

std::vector<std::string> Grader::ListSuiteTests(const WorkDir& work, const SuiteConfig& suite,
                                                const fs::path& trusted_binary) {
  RunOptions list_options;
  list_options.no_address_space_limit = kits_.at(suite.name).manifest.ReservesHugeAddressSpace();
  list_options.work_dir = work.path() / "list";
  list_options.group = work.group();
  return ListTests(trusted_binary, list_options);
}

void Grader::ListTestsOfSkeleton() {
  const WorkDir work = NewWorkDir("skeleton");
  std::vector<BuildResult> builds = BuildTrustedTree(work, options_.lab_dir, "the skeleton");
  for (size_t i = 0; i < lab_.suites.size(); ++i) {
    reference_[lab_.suites[i].name].tests = ListSuiteTests(work, lab_.suites[i], builds[i].binary);
  }
}

void Grader::LoadOrRunReference() {
  if (options_.solutions_dir.empty()) {
    std::string key_text = "skeleton";
    for (const auto& suite : lab_.suites) {
      key_text += " " + kits_.at(suite.name).hash;
    }
    key_ = Sha256Hex(key_text);
    ListTestsOfSkeleton();
    return;
  }
  std::string key_text = kReferenceCacheVersion;
  for (const auto& suite : lab_.suites) {
    key_text += "\n" + suite.name + " " + kits_.at(suite.name).hash;
  }
  for (const auto& file : lab_.student_files) {
    fs::path path = options_.solutions_dir / file;
    if (!fs::is_regular_file(path)) {
      throw GraderFault(
          fmt::format("the reference file {} is missing (is --solutions right?)", path.string()));
    }
    key_text += "\n" + file + " " + Sha256OfFile(path);
  }
  std::string key = Sha256Hex(key_text);
  key_ = key;
  fs::path cache_file = options_.cache_dir / "reference" / (key + ".json");

  if (fs::exists(cache_file)) {
    try {
      auto j = nlohmann::json::parse(ReadWholeFile(cache_file).value_or(""));
      for (const auto& suite : lab_.suites) {
        const auto& s = j.at("suites").at(suite.name);
        ReferenceSuite ref;
        ref.tests = s.at("tests").get<std::vector<std::string>>();
        ref.digests = s.at("digests").get<std::map<std::string, std::string>>();
        for (const auto& [test, t] : s.at("timings").items()) {
          ref.timings[test] = {t.at(0).get<double>(), t.at(1).get<double>()};
        }
        reference_[suite.name] = std::move(ref);
      }
      return;
    } catch (const std::exception&) {
      reference_.clear();  // a damaged cache entry: run the reference again
    }
  }

  const WorkDir work = NewWorkDir("reference");
  std::vector<BuildResult> builds =
      BuildTrustedTree(work, options_.solutions_dir, "the reference solution");
  for (size_t i = 0; i < lab_.suites.size(); ++i) {
    const SuiteConfig& suite = lab_.suites[i];
    SuiteResult built;
    built.suite = &suite;
    built.build = builds[i];
    ReferenceSuite ref;
    ref.tests = ListSuiteTests(work, suite, built.build.binary);
    reference_[suite.name] = ref;  // RunSuite needs the list
    auto runs = RunSuite(built, work, nullptr, std::nullopt);
    std::string failures;
    for (const auto& [name, run] : runs) {
      if (run.grader_fault) {
        throw GraderFault("cannot run the reference's tests: " + run.reason);
      }
      if (!run.passed) {
        failures += fmt::format("\n  {}: {}\n{}", name, run.reason,
                                TrimCompilerOutput(run.stderr_data + run.stdout_data, 15, 1500));
      } else {
        ref.digests[name] = run.digest;
        ref.timings[name] = {run.seconds, run.cpu_seconds};
      }
    }
    if (!failures.empty()) {
      throw GraderFault(fmt::format(
          "the reference solution fails tests of suite \"{}\" (fix the solution, the tests or "
          "the limits in lab.json):{}",
          suite.name, failures));
    }
    reference_[suite.name] = std::move(ref);
  }

  nlohmann::json j;
  j["key"] = key_text;
  for (const auto& [name, ref] : reference_) {
    nlohmann::json timings = nlohmann::json::object();
    for (const auto& [test, t] : ref.timings) {
      timings[test] = {t.wall_seconds, t.cpu_seconds};
    }
    j["suites"][name] = {{"tests", ref.tests}, {"digests", ref.digests}, {"timings", timings}};
  }
  fs::create_directories(cache_file.parent_path());
  fs::path tmp = cache_file;
  tmp += fmt::format(".tmp{}-{}", getpid(), std::random_device{}());
  std::ofstream(tmp) << j.dump(2) << "\n";
  std::error_code ec;  // a cache that cannot be written only costs a re-run next time
  fs::permissions(tmp, fs::perms(0600), ec);
  fs::rename(tmp, cache_file, ec);
}

std::map<std::string, TestRun> Grader::RunSuite(const SuiteResult& suite, const WorkDir& work,
                                                const ReferenceSuite* reference,
                                                Deadline deadline) {
  const std::string& name = suite.suite->name;
  const auto& tests = reference_.at(name).tests;
  bool huge_address_space = kits_.at(name).manifest.ReservesHugeAddressSpace();
  std::vector<TestRun> runs(tests.size());
  std::atomic<size_t> next{0};
  auto worker = [&](int id) {
    for (size_t i = next++; i < tests.size(); i = next++) {
      if (deadline && std::chrono::steady_clock::now() >= *deadline) {
        runs[i].name = tests[i];
        runs[i].not_run = true;
        runs[i].reason = fmt::format("not run: the submission's time budget ({} s) ran out",
                                     lab_.budget_seconds);
        continue;
      }
      RunOptions options;
      auto item = item_of_test_.find(name + "/" + tests[i]);
      // Before the rubric is checked (the reference run) use the lab's limits.
      static const RubricItem kNoItem;
      std::optional<ReferenceTiming> timing;
      std::optional<std::string> digest;
      if (reference) {
        if (auto t = reference->timings.find(tests[i]); t != reference->timings.end()) {
          timing = t->second;
        }
        if (auto d = reference->digests.find(tests[i]); d != reference->digests.end()) {
          digest = d->second;
        }
      }
      options.limits =
          TestLimits(lab_, item != item_of_test_.end() ? *item->second : kNoItem, timing);
      options.no_address_space_limit = huge_address_space;
      options.work_dir = work.path() / fmt::format("run-{}-{}", name, id);
      options.group = work.group();
      runs[i] = RunTest(suite.build.binary, tests[i], options, digest);
    }
  };
  const int jobs = std::min(options_.jobs, std::max(static_cast<int>(tests.size()), 1));
  if (jobs <= 1) {
    worker(0);
  } else {
    std::vector<std::thread> threads;
    threads.reserve(jobs);
    for (int id = 0; id < jobs; ++id) {
      threads.emplace_back(worker, id);
    }
    for (auto& t : threads) {
      t.join();
    }
  }
  std::map<std::string, TestRun> by_name;
  for (auto& run : runs) {
    by_name[run.name] = std::move(run);
  }
  return by_name;
}

GradeResult Grader::GradeScratch(const WorkDir& work, GradeResult result) {
  auto start = std::chrono::steady_clock::now();
  Deadline deadline;
  if (lab_.budget_seconds > 0) {
    deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(lab_.budget_seconds));
  }
  fs::path scratch = work.path() / "src";
  result.lab = lab_;
  result.notes = notes_;
  result.instructor_notes = notes_for_instructor_;
  result.assignment = assignment_;
  // Missing allow-listed files: the skeleton's version, so the rest still builds.
  for (const auto& file : lab_.student_files) {
    if (!result.intake_error.empty()) {
      break;  // nothing is built
    }
    if (!fs::exists(scratch / file)) {
      fs::path skeleton = options_.lab_dir / file;
      if (!fs::is_regular_file(skeleton)) {
        throw GraderFault("the lab's skeleton file " + skeleton.string() + " is missing");
      }
      CopyFile(skeleton, scratch / file);
      if (std::find(result.missing.begin(), result.missing.end(), file) == result.missing.end()) {
        result.missing.push_back(file);
      }
    }
  }
  SealTree(scratch, work.group());
  std::vector<BuildResult> builds;
  const bool build = result.intake_error.empty() && !result.nothing_submitted;
  if (build) {
    builds = BuildSuites(work, scratch, deadline);
  }
  result.build_seconds = SecondsSince(start);
  std::map<std::string, std::map<std::string, TestResultForScore>> for_score;
  for (size_t i = 0; i < lab_.suites.size(); ++i) {
    SuiteResult s;
    s.suite = &lab_.suites[i];
    if (!build) {
      s.build.stage = "intake";
    } else if (i >= builds.size()) {
      s.build.stage = "budget";
      s.build.errors = fmt::format("not built: the submission's time budget ({} s) ran out\n",
                                   lab_.budget_seconds);
    } else {
      s.build = std::move(builds[i]);
      if (s.build.ok) {
        s.runs = RunSuite(s, work, &reference_.at(s.suite->name), deadline);
        for (const auto& [name, run] : s.runs) {
          if (run.grader_fault) {
            throw GraderFault("the sandbox failed while grading: " + run.reason);
          }
          if (run.tampered) {
            result.tampered = true;
          }
          if (run.not_run) {
            ++result.tests_not_run;
          }
          for_score[s.suite->name][name] = {run.passed, run.fraction};
        }
      }
    }
    result.suites.push_back(std::move(s));
  }
  result.score = ComputeScore(lab_, assignment_, for_score);
  result.seconds = SecondsSince(start);
  return result;
}

GradeResult Grader::GradeTree(const fs::path& tree) {
  const WorkDir work = NewWorkDir("tree");
  fs::path scratch = work.path() / "src";
  fs::create_directories(scratch);
  GradeResult result;
  for (const auto& file : lab_.student_files) {
    if (fs::is_regular_file(tree / file)) {
      CopyFile(tree / file, scratch / file);
      result.accepted.push_back(file);
    }
  }
  return GradeScratch(work, std::move(result));
}

GradeResult Grader::Rejected(const std::string& reason) {
  const WorkDir work = NewWorkDir("rejected");
  fs::create_directories(work.path() / "src");
  GradeResult result;
  result.intake_error = reason;
  return GradeScratch(work, std::move(result));
}

GradeResult Grader::GradeUpload(const fs::path& upload) {
  auto start = std::chrono::steady_clock::now();
  const WorkDir work = NewWorkDir("submission");
  fs::path scratch = work.path() / "src";
  GradeResult result;
  IntakeResult intake = IntakeSubmission(upload, lab_.student_files, scratch);
  fs::create_directories(scratch);
  if (!intake.ok) {
    result.intake_error = intake.error;
  } else {
    for (const auto& a : intake.accepted) {
      const std::string& from = a.upload_path;
      const std::string& to = a.lab_path;
      result.accepted.push_back(from.empty() || from == to ? to
                                                           : fmt::format("{} (from {})", to, from));
    }
    result.ignored = intake.ignored;
    result.missing = intake.missing;
    // None of the lab's files: the skeleton alone would be graded, for 0.
    result.nothing_submitted = intake.accepted.empty();
  }
  result = GradeScratch(work, std::move(result));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace labkit::grader
