// grader/tests/toylab_env.h: where the toy lab's files are in a test's runfiles.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "grader/grade.h"

namespace labkit::grader::testing {

inline std::filesystem::path RunfilesDir() {
  const char* dir = std::getenv("TEST_SRCDIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::current_path().parent_path();
}

inline std::filesystem::path Workspace() { return RunfilesDir() / "labkit"; }

inline std::filesystem::path ToyLab() { return Workspace() / "grader/tests/toylab"; }

inline std::filesystem::path Submission(const std::string& name) {
  return Workspace() / "grader/tests/submissions" / name;
}

// A cache dir the sandbox's uid can reach (Bazel's TEST_TMPDIR is under /root).
inline std::filesystem::path MakeCacheDir() {
  char tmpl[] = "/tmp/labkit-grader-test-XXXXXX";
  char* dir = mkdtemp(tmpl);
  return dir ? std::filesystem::path(dir) : std::filesystem::path("/tmp/labkit-grader-test");
}

inline GradeOptions ToyLabOptions(const std::filesystem::path& cache_dir) {
  GradeOptions options;
  options.lab_dir = ToyLab();
  options.solutions_dir = ToyLab() / "solution";
  options.kit_files.layout = KitFiles::Layout::kRunfiles;
  options.kit_files.root = RunfilesDir();
  options.kits["public"] = ToyLab() / "public_kit.kit.json";
  options.kits["hidden"] = ToyLab() / "hidden/hidden_kit.kit.json";
  options.cache_dir = cache_dir;
  return options;
}

}  // namespace labkit::grader::testing
