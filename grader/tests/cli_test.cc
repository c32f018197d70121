// Tests of the labkit-grader command line: output of `plan`, exit statuses
// (0 graded, 2 bad usage, 1 grader or lab fault) and the files it writes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "grader/tests/toylab_env.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

struct Output {
  int status = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Output Cli(const std::string& args) {
  fs::path dir = fs::path(::testing::TempDir());
  std::string command = Quote((testing::Workspace() / "grader/labkit-grader").string()) + " " +
                        args + " >" + Quote((dir / "cli.out").string()) + " 2>" +
                        Quote((dir / "cli.err").string());
  int raw = std::system(command.c_str());
  Output o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  o.out = Slurp(dir / "cli.out");
  o.err = Slurp(dir / "cli.err");
  return o;
}

std::string LabArgs() {
  return "--lab " + Quote(testing::ToyLab().string()) + " --solutions " +
         Quote((testing::ToyLab() / "solution").string());
}

std::string KitArgs(bool with_hidden = true) {
  std::string args = " --runfiles " + Quote(testing::RunfilesDir().string()) +
                     " --kit public=" + Quote((testing::ToyLab() / "public_kit.kit.json").string());
  if (with_hidden) {
    args += " --kit hidden=" + Quote((testing::ToyLab() / "hidden/hidden_kit.kit.json").string());
  }
  return args;
}

TEST(Cli, PlanPrintsOneLinePerSuite) {
  Output o = Cli("plan --lab " + Quote(testing::ToyLab().string()));
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out,
            "public sanitize //grader/tests/toylab:public_kit\n"
            "hidden sanitize //grader/tests/toylab/hidden:hidden_kit\n");
}

TEST(Cli, FilesPrintsTheAllowList) {
  Output o = Cli("files --lab " + Quote(testing::ToyLab().string()));
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "student/toy.cc\n");
}

TEST(Cli, HelpHasExamples) {
  Output o = Cli("--help");
  EXPECT_EQ(o.status, 0);
  EXPECT_NE(o.out.find("Examples:"), std::string::npos) << o.out;
  EXPECT_NE(Cli("grade --help").out.find("--instructor-log"), std::string::npos);
}

TEST(Cli, BadUsageExits2) {
  EXPECT_EQ(Cli("").status, 2);
  EXPECT_EQ(Cli("frobnicate").status, 2);
  EXPECT_EQ(Cli("grade --lab x").status, 2);
  EXPECT_EQ(Cli("grade " + LabArgs() + KitArgs() + " --cache-dir /tmp/x --color purple sub").status,
            2);
  Output o = Cli("grade " + LabArgs() + KitArgs() + " --cache-dir /tmp/x --kit nonsense sub");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("SUITE=PATH"), std::string::npos) << o.err;
}

TEST(Cli, BrokenLabExits1WithAMessage) {
  Output o = Cli("plan --lab /nonexistent/lab");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("/nonexistent/lab/lab.json"), std::string::npos) << o.err;
}

class CliGrade : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the sandbox needs root";
    cache_ = testing::MakeCacheDir();
  }
  void TearDown() override {
    if (!cache_.empty()) fs::remove_all(cache_);
  }
  fs::path Upload(const std::string& name) {
    fs::path upload = cache_ / "uploads" / name;
    fs::create_directories(upload);
    fs::copy(testing::Submission(name), upload, fs::copy_options::recursive);
    return upload;
  }
  fs::path cache_;
};

TEST_F(CliGrade, MissingKitExits1AndSaysWhatToDo) {
  Output o = Cli("grade " + LabArgs() + KitArgs(false) + " --cache-dir " + Quote(cache_.string()) +
                 " " + Quote(Upload("honest").string()));
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("--kit hidden="), std::string::npos) << o.err;
}

TEST_F(CliGrade, CacheDirUnderRootIsRefused) {
  Output o =
      Cli("grade " + LabArgs() + KitArgs() + " --cache-dir /root/.labkit-grader-test-cache " +
          Quote(Upload("honest").string()));
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("not reachable by the sandbox"), std::string::npos) << o.err;
  fs::remove_all("/root/.labkit-grader-test-cache");
}

TEST_F(CliGrade, GradesAndWritesResults) {
  fs::path results = cache_ / "results.json";
  fs::path log = cache_ / "instructor.log";
  std::string common = "grade " + LabArgs() + KitArgs() + " --cache-dir " + Quote(cache_.string()) +
                       " --color never --results " + Quote(results.string()) +
                       " --instructor-log " + Quote(log.string()) + " ";
  Output o = Cli(common + Quote(Upload("honest").string()));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("Score: 100 / 100"), std::string::npos) << o.out;
  auto j = nlohmann::json::parse(Slurp(results));
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 100);
  EXPECT_EQ(j["tests"].size(), 5u);
  EXPECT_NE(Slurp(log).find("instructor log"), std::string::npos);

  // A submission that does not compile still "completes": exit 0, score 0.
  o = Cli(common + Quote(Upload("compile_error").string()));
  EXPECT_EQ(o.status, 0) << o.err;
  j = nlohmann::json::parse(Slurp(results));
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 0);
  EXPECT_NE(j["output"].get<std::string>().find("student/toy.cc:6:"), std::string::npos);

  // A non-existent upload is bad usage.
  EXPECT_EQ(Cli(common + "/nonexistent/upload").status, 2);
}

}  // namespace
}  // namespace labkit::grader
