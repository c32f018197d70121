// grader/main.cc: labkit-grader, the command-line front of the grading pipeline.
//
// Design: a thin front. It parses options (CLI11), builds a Grader (grade.h),
// and hands results to report.h. It owns only the process contract the
// ./labkit script relies on: exit 0 whenever grading completed (whatever the
// score), 2 for bad usage, 1 for a fault of the grader or the lab (with a
// message saying what to do). A submission can never cause exit 1: everything
// it does is part of the result. For scripts, `grade --fail-under SCORE` exits
// 3 when the submission scored less than SCORE or did not build, and
// results.json's extra_data.status says how the grade ended.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <thread>

#include "grader/batch.h"
#include "grader/check.h"
#include "grader/grade.h"
#include "grader/report.h"

namespace {

using namespace labkit::grader;
namespace fs = std::filesystem;

constexpr const char* kDescription =
    R"TXT(labkit-grader: build, run and score lab submissions in a sandbox.

Examples:
  # Which kits does a lab need (one line per suite: <suite> <config> <kit label>)?
  labkit-grader plan --lab labs/frames

  # Grade one submission (a directory or a .zip) and write Gradescope's results.json:
  labkit-grader grade --lab labs/frames --solutions solutions/frames \
      --execroot "$(bazel info execution_root)" \
      --kit public=bazel-out/k8-fastbuildsanitize/bin/labs/frames/public_kit.kit.json \
      --kit hidden=bazel-out/k8-fastbuildsanitize/bin/labs/frames/hidden/hidden_kit.kit.json \
      --cache-dir /var/cache/labkit --results results.json --instructor-log grading.log \
      handin.zip

  # Self-check a lab (reference scores 100, skeleton scores 0, buggy variants lose points):
  labkit-grader check --lab labs/frames --solutions solutions/frames --execroot ... \
      --kit public=... --kit hidden=... --cache-dir /var/cache/labkit

  # Grade a class (a folder or zip of submissions), two at a time:
  labkit-grader batch --lab labs/frames ... --out grades/frames --jobs 2 submissions.zip

Exit status: 0 when grading completed (whatever the score), 2 for bad usage,
1 when the grader or the lab is at fault (the message says what to do),
3 from `grade --fail-under` when the score is below the bar.)TXT";

struct CommonOptions {
  std::string lab;
  std::string solutions;
  std::string execroot;
  std::string runfiles;
  std::string workspace;
  std::vector<std::string> kits;
  std::string cache_dir;
  std::string color = "auto";
  int jobs = 0;  // 0: the number of cores
};

int DefaultJobs() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(std::min(cores, 64U));
}

void AddCommon(CLI::App* app, CommonOptions& o) {
  app->add_option("--lab", o.lab, "the lab's directory, e.g. labs/frames (holds lab.json)")
      ->required();
  app->add_option("--solutions", o.solutions,
                  "the reference files, e.g. solutions/frames (leave out in a student's "
                  "repository: public tests only, listed from the skeleton)");
  auto* exec = app->add_option("--execroot", o.execroot,
                               "Bazel's execution root, where kit files are found by exec path "
                               "(`bazel info execution_root`)");
  auto* run = app->add_option("--runfiles", o.runfiles,
                              "a runfiles dir where kit files are found by their short paths "
                              "(for tests that use kits as data)");
  exec->excludes(run);
  app->add_option("--workspace", o.workspace,
                  "with --execroot: where source files are if the execroot no longer links "
                  "them (default: the current directory when it holds a WORKSPACE file)");
  app->add_option("--kit", o.kits,
                  "SUITE=PATH to the suite's <suite>_kit.kit.json; one per suite of lab.json")
      ->required();
  app->add_option("--cache-dir", o.cache_dir,
                  "staged kits, cached reference runs and scratch space; must be reachable "
                  "by uid 65534 (not under /root), e.g. /var/cache/labkit")
      ->required();
  app->add_option("--color", o.color, "colour the terminal report: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app->add_option("--jobs", o.jobs,
                  "sandboxed runs at once (default: the number of cores); each has a uid of its "
                  "own, so one run's fork bomb cannot touch another")
      ->check(CLI::Range(1, 64));
}

GradeOptions MakeGradeOptions(const CommonOptions& o) {
  GradeOptions g;
  g.lab_dir = o.lab;
  g.solutions_dir = o.solutions;
  if (!o.runfiles.empty()) {
    g.kit_files.layout = KitFiles::Layout::kRunfiles;
    g.kit_files.root = o.runfiles;
  } else if (!o.execroot.empty()) {
    g.kit_files.layout = KitFiles::Layout::kExecroot;
    g.kit_files.root = o.execroot;
    if (!o.workspace.empty()) {
      g.kit_files.source_root = o.workspace;
    } else if (fs::exists("WORKSPACE")) {
      g.kit_files.source_root = fs::current_path();
    }
  } else {
    throw CLI::ValidationError("one of --execroot or --runfiles is required");
  }
  for (const auto& kit : o.kits) {
    auto eq = kit.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kit.size()) {
      throw CLI::ValidationError("--kit", "expected SUITE=PATH, got \"" + kit + "\"");
    }
    fs::path path = kit.substr(eq + 1);
    if (path.is_relative() && !fs::exists(path) && fs::exists(g.kit_files.root / path)) {
      path = g.kit_files.root / path;
    }
    if (!g.kits.emplace(kit.substr(0, eq), path).second) {
      throw CLI::ValidationError("--kit", "suite \"" + kit.substr(0, eq) + "\" given twice");
    }
  }
  g.cache_dir = o.cache_dir;
  g.jobs = o.jobs > 0 ? o.jobs : DefaultJobs();
  return g;
}

bool UseColor(const std::string& mode) {
  if (mode == "always") {
    return true;
  }
  if (mode == "never") {
    return false;
  }
  return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.good()) {
    throw GraderFault("cannot write " + path);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "labkit-grader"};
  app.require_subcommand(1);

  std::string plan_lab;
  auto* plan =
      app.add_subcommand("plan", "print the kits a lab needs: <suite> <config> <kit label>");
  plan->add_option("--lab", plan_lab, "the lab's directory, e.g. labs/frames")->required();

  std::string files_lab;
  auto* files = app.add_subcommand(
      "files", "print a lab's allow-listed student files, one per line (what `submit` zips)");
  files->add_option("--lab", files_lab, "the lab's directory, e.g. labs/frames")->required();

  CommonOptions grade_options;
  std::string submission, results_path, instructor_log;
  bool instructor = false;
  auto* grade = app.add_subcommand("grade", "grade one submission (a directory or a .zip)");
  AddCommon(grade, grade_options);
  grade->add_option("--results", results_path, "write Gradescope's results.json here");
  grade->add_option("--instructor-log", instructor_log,
                    "write instructor-only details (raw output, stderr, sanitizer reports) here "
                    "(- for stdout, after the report)");
  grade->add_flag("--instructor", instructor,
                  "also print instructor-only details on the terminal (never for students)");
  double fail_under = -1;
  grade
      ->add_option("--fail-under", fail_under,
                   "exit 3 if the score is below this (0-100) or the submission did not get to "
                   "run its tests (compile error, rejected upload or code); for scripts")
      ->check(CLI::Range(0.0, 100.0));
  grade->add_option("SUBMISSION", submission, "the upload: a directory or a .zip")->required();

  CommonOptions check_options;
  auto* check = app.add_subcommand(
      "check",
      "self-check a lab: reference scores 100, skeleton at most skeleton_max_score, "
      "every buggy/*.patch loses points where its Caught-by: lines say");
  AddCommon(check, check_options);

  CommonOptions batch_options;
  BatchOptions batch_settings;
  std::string batch_input, batch_out, shard, progress = "auto";
  auto* batch = app.add_subcommand(
      "batch",
      "grade a class: a folder or zip of submissions (one subfolder or .zip per student, or a "
      "Gradescope export); writes DIR/<id>/results.json and instructor.log, DIR/gradebook.csv "
      "and DIR/report.html");
  AddCommon(batch, batch_options);
  batch->add_option("SUBMISSIONS", batch_input, "the class: a folder or a .zip")->required();
  batch->add_option("--out", batch_out, "the output directory DIR")->required();
  batch->add_flag("--resume", batch_settings.resume,
                  "finish a batch that was stopped: grade only what DIR lacks or what changed");
  batch->add_option("--shard", shard,
                    "K/N: grade only the K-th of N slices of the class (for several machines; "
                    "put them together with `merge`)");
  batch->add_option("--progress", progress, "auto (a live bar on a terminal), bar or lines")
      ->check(CLI::IsMember({"auto", "bar", "lines"}));

  std::vector<std::string> merge_inputs;
  std::string merge_out;
  auto* merge = app.add_subcommand(
      "merge", "put the outputs of `batch --shard K/N` together into one gradebook and report");
  merge->add_option("SHARDS", merge_inputs, "the shards' output directories")->required();
  merge->add_option("--out", merge_out, "the merged output directory")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    if (plan->parsed()) {
      LabConfig lab = LoadLabConfig(plan_lab);
      for (const auto& suite : lab.suites) {
        std::cout << fmt::format("{} {} {}\n", suite.name,
                                 suite.config.empty() ? "-" : suite.config, suite.kit);
      }
      return 0;
    }
    if (files->parsed()) {
      for (const auto& file : LoadLabConfig(files_lab).student_files) {
        std::cout << file << "\n";
      }
      return 0;
    }
    if (grade->parsed()) {
      GradeOptions options;
      try {
        options = MakeGradeOptions(grade_options);
      } catch (const CLI::Error& e) {
        std::cerr << "labkit-grader grade: " << e.what() << "\n";
        return 2;
      }
      if (!fs::exists(submission)) {
        std::cerr << "labkit-grader grade: no such submission: " << submission << "\n";
        return 2;
      }
      Grader grader(options);
      GradeResult result = grader.GradeUpload(submission);
      std::cout << FormatReport(result, {UseColor(grade_options.color), instructor});
      if (!results_path.empty()) {
        WriteFile(results_path, GradescopeResults(result).dump(2) + "\n");
      }
      if (instructor_log == "-" || instructor_log == "/dev/stdout") {
        // After the report, on the same stream (opening /dev/stdout again
        // would truncate a file that stdout is redirected to).
        std::cout << "\n" << InstructorLog(result) << std::flush;
      } else if (!instructor_log.empty()) {
        WriteFile(instructor_log, InstructorLog(result));
      }
      if (fail_under >= 0) {
        GradeStatus status = result.Status();
        bool ran = status == GradeStatus::kOk || status == GradeStatus::kOutOfTime;
        if (!ran || result.score.total < fail_under - 1e-9) {
          return 3;
        }
      }
      return 0;
    }
    if (batch->parsed()) {
      GradeOptions options;
      try {
        options = MakeGradeOptions(batch_options);
        if (!shard.empty()) {
          auto slash = shard.find('/');
          if (slash == std::string::npos) {
            throw CLI::ValidationError("--shard", "expected K/N");
          }
          batch_settings.shard_index = std::stoi(shard.substr(0, slash));
          batch_settings.shard_count = std::stoi(shard.substr(slash + 1));
          if (batch_settings.shard_count < 1 || batch_settings.shard_index < 0 ||
              batch_settings.shard_index >= batch_settings.shard_count) {
            throw CLI::ValidationError("--shard", "expected K/N with 0 <= K < N");
          }
        }
      } catch (const CLI::Error& e) {
        std::cerr << "labkit-grader batch: " << e.what() << "\n";
        return 2;
      } catch (const std::logic_error&) {
        std::cerr << "labkit-grader batch: --shard: expected K/N, e.g. 0/4\n";
        return 2;
      }
      // Submissions side by side, each one's tests one at a time: a score is
      // what `grade` gives the submission alone.
      batch_settings.jobs = options.jobs;
      options.jobs = 1;
      batch_settings.input = batch_input;
      batch_settings.out_dir = batch_out;
      batch_settings.live_progress =
          progress == "bar" || (progress == "auto" && isatty(STDERR_FILENO));
      Grader grader(options);
      return RunBatch(grader, batch_settings, std::cerr);
    }
    if (merge->parsed()) {
      std::vector<fs::path> shards(merge_inputs.begin(), merge_inputs.end());
      return MergeBatches(shards, merge_out, std::cerr);
    }
    if (check->parsed()) {
      GradeOptions options;
      try {
        options = MakeGradeOptions(check_options);
        if (options.solutions_dir.empty()) {
          throw CLI::ValidationError("--solutions", "check needs the reference solution");
        }
      } catch (const CLI::Error& e) {
        std::cerr << "labkit-grader check: " << e.what() << "\n";
        return 2;
      }
      // Trees side by side, each one's tests one at a time.
      const int jobs = options.jobs;
      options.jobs = 1;
      Grader grader(options);
      return RunSelfCheck(grader, std::cout, UseColor(check_options.color), jobs) ? 0 : 1;
    }
  } catch (const LabConfigError& e) {
    std::cerr << "labkit-grader: the lab's configuration is wrong: " << e.what()
              << "\nFix lab.json and run `labkit-grader check`.\n";
    return 1;
  } catch (const KitError& e) {
    std::cerr << "labkit-grader: kit problem: " << e.what() << "\n";
    return 1;
  } catch (const GraderFault& e) {
    std::cerr << "labkit-grader: grader fault: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "labkit-grader: unexpected error: " << e.what()
              << "\nThis is a bug in the grader; please report it with the command line.\n";
    return 1;
  }
  return 2;
}
