// Tests of lab.json parsing and validation (grader/lab_config.h).
#include "grader/lab_config.h"

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace labkit::grader {
namespace {

const char* kGood = R"({
  "id": "toy", "title": "Toy", "order": 1,
  "student_files": ["student/a.cc"],
  "suites": [{"name": "public", "kit": "//labs/toy:public_kit", "config": "sanitize", "visibility": "visible"},
             {"name": "hidden", "kit": "//labs/toy/hidden:hidden_kit", "visibility": "hidden"}],
  "limits": {"wall_seconds": 20, "memory_mb": 256},
  "rubric": [
    {"name": "A", "suite": "public", "tests": ["A.*"], "points": 10, "hint": "h"},
    {"name": "B", "suite": "hidden", "tests": ["B.x"], "points": 5, "limits": {"wall_seconds": 60}}
  ]
})";

std::string ErrorOf(const std::string& text) {
  try {
    ParseLabConfig(text, "lab.json");
  } catch (const LabConfigError& e) {
    return e.what();
  }
  return "";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(LabConfig, ParsesTheDocumentedSchema) {
  LabConfig lab = ParseLabConfig(kGood, "lab.json");
  EXPECT_EQ(lab.id, "toy");
  ASSERT_EQ(lab.suites.size(), 2u);
  EXPECT_EQ(lab.suites[1].visibility, Visibility::kHidden);
  EXPECT_EQ(lab.suites[0].config, "sanitize");
  ASSERT_EQ(lab.rubric.size(), 2u);
  EXPECT_EQ(lab.rubric[0].tests, std::vector<std::string>{"A.*"});
  EXPECT_DOUBLE_EQ(lab.TotalPoints(), 15);
  EXPECT_DOUBLE_EQ(lab.skeleton_max_score, 0);
}

TEST(LabConfig, ItemLimitsOverrideLabLimitsOverrideDefaults) {
  LabConfig lab = ParseLabConfig(kGood, "lab.json");
  Limits a = TestLimits(lab, lab.rubric[0]);
  EXPECT_DOUBLE_EQ(a.wall_seconds, 20);
  EXPECT_DOUBLE_EQ(a.cpu_seconds, 10);  // default
  EXPECT_EQ(a.memory_bytes, 256ULL << 20);
  Limits b = TestLimits(lab, lab.rubric[1]);
  EXPECT_DOUBLE_EQ(b.wall_seconds, 60);
  EXPECT_DOUBLE_EQ(CompileSeconds(lab), 120);
}

TEST(LabConfig, ForbiddenSymbolsAreOptionalRegexes) {
  EXPECT_TRUE(ParseLabConfig(kGood, "lab.json").forbidden_symbols.empty());
  LabConfig lab =
      ParseLabConfig(Replace(kGood, R"("order": 1,)",
                             R"("order": 1, "forbidden_symbols": ["^toy_ref::", "secret"],)"),
                     "lab.json");
  EXPECT_EQ(lab.forbidden_symbols, (std::vector<std::string>{"^toy_ref::", "secret"}));
  BuildOptions options = BuildOptionsFor(lab);
  EXPECT_EQ(options.forbidden_symbols, lab.forbidden_symbols);
  EXPECT_EQ(options.compile_seconds, 120);
  std::string bad = ErrorOf(
      Replace(kGood, R"("order": 1,)", R"("order": 1, "forbidden_symbols": ["(unclosed"],)"));
  EXPECT_NE(bad.find("forbidden_symbols[0]"), std::string::npos) << bad;
  EXPECT_NE(bad.find("not a valid regular expression"), std::string::npos) << bad;
  EXPECT_NE(ErrorOf(Replace(kGood, R"("order": 1,)", R"("order": 1, "forbidden_symbols": [3],)"))
                .find("expected a string"),
            std::string::npos);
}

TEST(LabConfig, NotJson) { EXPECT_NE(ErrorOf("{").find("not valid JSON"), std::string::npos); }

TEST(LabConfig, MissingId) {
  EXPECT_NE(ErrorOf(Replace(kGood, R"("id": "toy", )", "")).find("missing required key \"id\""),
            std::string::npos);
}

TEST(LabConfig, UnknownKeyIsNamed) {
  std::string e = ErrorOf(Replace(kGood, R"("order": 1,)", R"("order": 1, "pionts": 3,)"));
  EXPECT_NE(e.find("unknown key \"pionts\""), std::string::npos) << e;
}

TEST(LabConfig, RubricItemWithUnknownSuite) {
  std::string e = ErrorOf(Replace(kGood, R"("suite": "hidden")", R"("suite": "secret")"));
  EXPECT_NE(e.find("rubric[1].suite"), std::string::npos) << e;
  EXPECT_NE(e.find("no suite named \"secret\""), std::string::npos) << e;
}

TEST(LabConfig, NonPositivePoints) {
  std::string e = ErrorOf(Replace(kGood, R"("points": 10)", R"("points": 0)"));
  EXPECT_NE(e.find("rubric[0].points: must be greater than 0"), std::string::npos) << e;
}

TEST(LabConfig, WrongType) {
  std::string e = ErrorOf(Replace(kGood, R"("points": 10)", R"("points": "ten")"));
  EXPECT_NE(e.find("rubric[0].points: expected a number"), std::string::npos) << e;
}

TEST(LabConfig, DuplicateItemName) {
  std::string e = ErrorOf(Replace(kGood, R"("name": "B")", R"("name": "A")"));
  EXPECT_NE(e.find("duplicate rubric item \"A\""), std::string::npos) << e;
}

TEST(LabConfig, BadVisibility) {
  std::string e = ErrorOf(Replace(kGood, R"("visibility": "hidden")", R"("visibility": "secret")"));
  EXPECT_NE(e.find("suites[1].visibility"), std::string::npos) << e;
}

TEST(LabConfig, StudentFilesMustBeSafeCcPaths) {
  EXPECT_NE(ErrorOf(Replace(kGood, "student/a.cc", "../a.cc")).find("student_files[0]"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(kGood, "student/a.cc", "student/a.h")).find(".cc files only"),
            std::string::npos);
}

TEST(LabConfig, KitMustBeALabel) {
  EXPECT_NE(ErrorOf(Replace(kGood, "//labs/toy:public_kit", "public_kit")).find("suites[0].kit"),
            std::string::npos);
}

TEST(LabConfig, BadPattern) {
  EXPECT_NE(ErrorOf(Replace(kGood, R"("A.*")", R"("A.*:B.*")")).find("bad pattern"),
            std::string::npos);
}

TEST(LabConfig, MissingFileSaysSo) {
  try {
    LoadLabConfig("/nonexistent/lab");
    FAIL();
  } catch (const LabConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/lab/lab.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace labkit::grader
