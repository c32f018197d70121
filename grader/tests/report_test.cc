// Tests of what reports show to whom (grader/report.h), on a made-up result.
#include "grader/report.h"

#include <gtest/gtest.h>

namespace labkit::grader {
namespace {

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    result_.lab = ParseLabConfig(R"({
      "id": "toy", "title": "Toy", "student_files": ["student/a.cc"],
      "suites": [{"name": "public", "kit": "//x:public_kit"},
                 {"name": "hidden", "kit": "//x:hidden_kit", "visibility": "hidden"}],
      "rubric": [
        {"name": "Basics", "suite": "public", "tests": ["Pub.*"], "points": 10, "hint": "PUBLIC-HINT"},
        {"name": "Edges", "suite": "hidden", "tests": ["Hid.*"], "points": 10, "hint": "HIDDEN-HINT"}
      ]})",
                                 "test");
    result_.assignment = {{"Pub.A", "Pub.B"}, {"Hid.X", "Hid.Y"}};
    result_.accepted = {"student/a.cc (from handin/a.cc)"};
    result_.ignored = {"handin/notes.txt"};
    SuiteResult pub;
    pub.suite = &result_.lab.suites[0];
    pub.build.ok = true;
    SuiteResult hid;
    hid.suite = &result_.lab.suites[1];
    hid.build.ok = true;
    for (const char* name : {"Pub.A", "Pub.B"}) {
      TestRun run;
      run.name = name;
      run.passed = true;
      run.fraction = 1;
      pub.runs[name] = run;
    }
    TestRun pass;
    pass.name = "Hid.X";
    pass.passed = true;
    pass.fraction = 1;
    hid.runs["Hid.X"] = pass;
    TestRun fail;
    fail.name = "Hid.Y";
    fail.reason = "failed: HIDDEN-REASON expected 5000050000";
    fail.failure_messages = {"hidden_test.cc:7: HIDDEN-MESSAGE Expected: 5000050000"};
    fail.stdout_data = "HIDDEN-STDOUT";
    fail.stderr_data = "HIDDEN-STDERR ==1==ERROR: AddressSanitizer: heap-use-after-free";
    fail.detail = "HIDDEN-DETAIL";
    hid.runs["Hid.Y"] = fail;
    result_.suites = {pub, hid};
    std::map<std::string, std::map<std::string, TestResultForScore>> for_score = {
        {"public", {{"Pub.A", {true, 1}}, {"Pub.B", {true, 1}}}},
        {"hidden", {{"Hid.X", {true, 1}}, {"Hid.Y", {false, 1}}}}};
    result_.score = ComputeScore(result_.lab, result_.assignment, for_score);
  }

  GradeResult result_;
};

const char* kHiddenSecrets[] = {"HIDDEN-REASON",   "HIDDEN-MESSAGE", "HIDDEN-STDOUT",
                                "HIDDEN-STDERR",   "HIDDEN-DETAIL",  "5000050000",
                                "AddressSanitizer"};

TEST_F(ReportTest, ResultsJsonNeverShowsHiddenDetails) {
  std::string json = GradescopeResults(result_).dump();
  for (const char* secret : kHiddenSecrets)
    EXPECT_EQ(json.find(secret), std::string::npos) << secret;
  EXPECT_NE(json.find("Hid.Y"), std::string::npos);        // the name is shown
  EXPECT_NE(json.find("HIDDEN-HINT"), std::string::npos);  // and the hint
}

TEST_F(ReportTest, ResultsJsonShape) {
  auto j = GradescopeResults(result_);
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 75);
  ASSERT_EQ(j["tests"].size(), 2u);
  EXPECT_EQ(j["tests"][0]["name"], "Basics");
  EXPECT_EQ(j["tests"][0]["status"], "passed");
  EXPECT_DOUBLE_EQ(j["tests"][0]["max_score"].get<double>(), 50);
  EXPECT_EQ(j["tests"][1]["status"], "failed");
  EXPECT_DOUBLE_EQ(j["tests"][1]["score"].get<double>(), 25);
  for (const auto& t : j["tests"]) {
    for (const char* key : {"name", "score", "max_score", "status", "visibility", "output"}) {
      EXPECT_TRUE(t.contains(key)) << key;
    }
  }
  EXPECT_TRUE(j.contains("execution_time"));
  std::string output = j["output"];
  EXPECT_NE(output.find("All public tests pass, but 1 hidden test fails."), std::string::npos);
  EXPECT_NE(output.find("handin/notes.txt"), std::string::npos);  // ignored files listed
}

TEST_F(ReportTest, TerminalReportForStudentsHidesHiddenDetails) {
  std::string text = FormatReport(result_, {.color = false, .instructor = false});
  for (const char* secret : kHiddenSecrets)
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  EXPECT_NE(text.find("FAIL Hid.Y"), std::string::npos);
  EXPECT_NE(text.find("All public tests pass, but 1 hidden test fails."), std::string::npos);
  EXPECT_EQ(text.find("\x1b["), std::string::npos);  // no colour unless asked
  EXPECT_NE(FormatReport(result_, {.color = true}).find("\x1b["), std::string::npos);
}

TEST_F(ReportTest, InstructorSeesEverything) {
  std::string log = InstructorLog(result_);
  for (const char* secret : {"HIDDEN-REASON", "HIDDEN-MESSAGE", "HIDDEN-STDOUT", "HIDDEN-STDERR"}) {
    EXPECT_NE(log.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(FormatReport(result_, {.instructor = true}).find("HIDDEN-STDERR"), std::string::npos);
}

TEST_F(ReportTest, PublicFailuresShowTheirMessages) {
  SuiteResult& pub = result_.suites[0];
  pub.runs["Pub.B"].passed = false;
  pub.runs["Pub.B"].reason = "failed: Expected equality";
  pub.runs["Pub.B"].failure_messages = {"a_test.cc:3: Expected equality of these values"};
  result_.score = ComputeScore(result_.lab, result_.assignment,
                               {{"public", {{"Pub.A", {true, 1}}, {"Pub.B", {false, 1}}}}});
  std::string json = GradescopeResults(result_).dump();
  EXPECT_NE(json.find("Expected equality of these values"), std::string::npos);
  EXPECT_NE(json.find("PUBLIC-HINT"), std::string::npos);
  EXPECT_EQ(HiddenFailureNote(result_), "");  // a public test fails: no such claim
}

TEST_F(ReportTest, BuildFailureExplained) {
  result_.suites[0].build = {};
  result_.suites[0].build.stage = "compile";
  result_.suites[0].build.errors = "student/a.cc:1:1: error: expected ';'\n";
  result_.suites[0].runs.clear();
  result_.suites[1].runs.clear();
  result_.score = ComputeScore(result_.lab, result_.assignment, {});
  std::string json = GradescopeResults(result_).dump();
  EXPECT_NE(json.find("student/a.cc:1:1: error: expected ';'"), std::string::npos);
  EXPECT_EQ(HiddenFailureNote(result_), "");
}

TEST_F(ReportTest, HiddenLinkErrorsShowOnlySymbols) {
  result_.suites[1].build = {};
  result_.suites[1].build.stage = "link";
  result_.suites[1].build.log =
      "/usr/bin/ld: libhidden_tests.lo(hidden_test.o): in function `HIDDEN-CODE()':\n"
      "hidden_test.cc:7: undefined reference to `toy::Missing(int)'\n";
  result_.suites[1].build.errors = result_.suites[1].build.log;
  result_.suites[1].runs.clear();
  std::string json = GradescopeResults(result_).dump();
  EXPECT_EQ(json.find("HIDDEN-CODE"), std::string::npos);
  EXPECT_NE(json.find("undefined reference to 'toy::Missing(int)'"), std::string::npos) << json;
}

}  // namespace
}  // namespace labkit::grader
