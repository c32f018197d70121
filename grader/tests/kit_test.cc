// Tests of kit manifests and staging (grader/kit.h) and compiler-output trimming (build.h).
#include "grader/kit.h"

#include <gtest/gtest.h>

#include <fstream>

#include "grader/build.h"
#include "grader/tests/toylab_env.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(IsUnderHiddenDir, OnlyDirectoryComponents) {
  EXPECT_TRUE(IsUnderHiddenDir("labs/frames/hidden/helpers.h"));
  EXPECT_TRUE(IsUnderHiddenDir("bazel-out/k8/bin/labs/x/hidden/_virtual_includes/h/a.h"));
  EXPECT_FALSE(IsUnderHiddenDir("labs/frames/include/hidden.h"));
  EXPECT_FALSE(IsUnderHiddenDir("labs/frames/unhidden/a.h"));
}

TEST(ParseKitManifest, RejectsNonKits) {
  EXPECT_THROW(ParseKitManifest("{", "k"), KitError);
  EXPECT_THROW(ParseKitManifest("{\"x\": 1}", "k"), KitError);
  EXPECT_THROW(
      ParseKitManifest(R"({"compiler": "gcc", "linker": "gcc", "headers": ["/etc/passwd"]})", "k"),
      KitError);
  EXPECT_THROW(
      ParseKitManifest(R"({"compiler": "gcc", "linker": "gcc", "headers": ["a/../../b.h"]})", "k"),
      KitError);
}

TEST(ParseKitManifest, SanitizerDetection) {
  auto kit = ParseKitManifest(
      R"({"compiler": "gcc", "linker": "gcc", "compile_flags": ["-O1", "-fsanitize=address,undefined"]})",
      "k");
  EXPECT_TRUE(kit.ReservesHugeAddressSpace());
  kit = ParseKitManifest(
      R"({"compiler": "gcc", "linker": "gcc", "compile_flags": ["-fsanitize=thread"]})", "k");
  EXPECT_TRUE(kit.ReservesHugeAddressSpace());
  kit = ParseKitManifest(R"({"compiler": "gcc", "linker": "gcc", "compile_flags": ["-O2"]})", "k");
  EXPECT_FALSE(kit.ReservesHugeAddressSpace());
}

// A fake execroot with a public and a hidden header and a symlinked archive.
TEST(StageKit, ExecrootLayoutHashesDereferencesAndSkipsHidden) {
  fs::path root = fs::path(::testing::TempDir()) / "kit_execroot";
  fs::remove_all(root);
  fs::create_directories(root / "labs/x/include/x");
  fs::create_directories(root / "labs/x/hidden");
  fs::create_directories(root / "out");
  std::ofstream(root / "labs/x/include/x/x.h") << "int X();\n";
  std::ofstream(root / "labs/x/hidden/secret.h") << "// hidden\n";
  std::ofstream(root / "real.a") << "!<arch>\n";
  fs::create_symlink(root / "real.a", root / "out/libx.a");
  std::ofstream(root / "kit.json") << R"({"compiler": "/usr/bin/gcc", "linker": "/usr/bin/gcc",
    "headers": ["labs/x/include/x/x.h", "labs/x/hidden/secret.h"],
    "link_inputs": [{"path": "out/libx.a", "whole_archive": true}]})";
  fs::path cache = root / "cache";
  KitFiles files{KitFiles::Layout::kExecroot, root};
  StagedKit kit = StageKit(root / "kit.json", files, cache);
  EXPECT_EQ(kit.hash.size(), 64u);
  EXPECT_TRUE(fs::is_regular_file(kit.HeaderRoot() / "labs/x/include/x/x.h"));
  EXPECT_FALSE(fs::exists(kit.HeaderRoot() / "labs/x/hidden/secret.h"));
  EXPECT_FALSE(fs::is_symlink(kit.LibRoot() / "out/libx.a"));
  EXPECT_TRUE(fs::is_regular_file(kit.LibRoot() / "out/libx.a"));
  ASSERT_EQ(kit.manifest.link_inputs.size(), 1u);
  EXPECT_TRUE(kit.manifest.link_inputs[0].whole_archive);

  // Same contents: same directory. Changed contents: a new one.
  EXPECT_EQ(StageKit(root / "kit.json", files, cache).dir, kit.dir);
  std::ofstream(root / "labs/x/include/x/x.h") << "int X(int);\n";
  EXPECT_NE(StageKit(root / "kit.json", files, cache).hash, kit.hash);

  fs::remove(root / "real.a");
  EXPECT_THROW(StageKit(root / "kit.json", files, cache), KitError);
}

TEST(StageKit, RealKitFromRunfilesThroughShortPaths) {
  fs::path cache = fs::path(::testing::TempDir()) / "kit_cache";
  KitFiles files{KitFiles::Layout::kRunfiles, testing::RunfilesDir()};
  StagedKit kit = StageKit(testing::ToyLab() / "public_kit.kit.json", files, cache);
  EXPECT_TRUE(fs::is_regular_file(kit.HeaderRoot() / "grader/tests/toylab/include/toylab/toy.h"));
  EXPECT_TRUE(fs::is_regular_file(kit.HeaderRoot() / "labs/common/include/labkit/todo.h"));
  ASSERT_FALSE(kit.manifest.link_inputs.empty());
  for (const auto& input : kit.manifest.link_inputs) {
    EXPECT_TRUE(fs::is_regular_file(kit.LibRoot() / input.path)) << input.path;
  }
}

TEST(TrimCompilerOutput, RelativePathsAndLimits) {
  std::string log =
      "/labkit/src/student/a.cc:3:1: error: expected ';'\n"
      "In file included from /labkit/kit/labs/x/include/x/x.h:2:\n";
  std::string trimmed = TrimCompilerOutput(log);
  EXPECT_EQ(trimmed.find("/labkit/"), std::string::npos) << trimmed;
  EXPECT_NE(trimmed.find("student/a.cc:3:1: error"), std::string::npos);
  std::string many;
  for (int i = 0; i < 100; ++i) many += "error line " + std::to_string(i) + "\n";
  trimmed = TrimCompilerOutput(many);
  EXPECT_NE(trimmed.find("error line 39\n"), std::string::npos);
  EXPECT_EQ(trimmed.find("error line 40\n"), std::string::npos);
  EXPECT_NE(trimmed.find("60 more lines"), std::string::npos);
  EXPECT_LE(TrimCompilerOutput(std::string(10000, 'x') + "\n" + many).size(), 4200u);
}

}  // namespace
}  // namespace labkit::grader
