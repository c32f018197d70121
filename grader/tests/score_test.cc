// Tests of rubric scoring (grader/score.h).
#include "grader/score.h"

#include <gtest/gtest.h>

namespace labkit::grader {
namespace {

LabConfig Lab() {
  return ParseLabConfig(R"({
    "id": "toy", "student_files": ["s/a.cc"],
    "suites": [{"name": "public", "kit": "//x:public_kit"}, {"name": "hidden", "kit": "//x:hidden_kit", "visibility": "hidden"}],
    "rubric": [
      {"name": "Push", "suite": "public", "tests": ["Stack.Push*"], "points": 30},
      {"name": "Pop", "suite": "public", "tests": ["Stack.Pop", "Stack.Po?Many"], "points": 10},
      {"name": "Edges", "suite": "hidden", "tests": ["Edge*.*"], "points": 10}
    ]})",
                        "test");
}

TestLists Tests() {
  return {{"public",
           {"Stack.PushOne", "Stack.PushTwo", "Stack.PushThree", "Stack.Pop", "Stack.PopMany"}},
          {"hidden", {"EdgeCases.Empty", "EdgeCases.Full"}}};
}

TEST(MatchesPattern, Wildcards) {
  EXPECT_TRUE(MatchesPattern("Stack.*", "Stack.Push"));
  EXPECT_TRUE(MatchesPattern("*", "A.B"));
  EXPECT_TRUE(MatchesPattern("Stack.P?p", "Stack.Pop"));
  EXPECT_TRUE(MatchesPattern("*.Pop*", "Stack.PopMany"));
  EXPECT_TRUE(MatchesPattern("Param/*.Case/*", "Param/Sizes.Case/3"));
  EXPECT_FALSE(MatchesPattern("Stack.P?p", "Stack.Poop"));
  EXPECT_FALSE(MatchesPattern("Stack.Pop", "Stack.PopMany"));
  EXPECT_FALSE(MatchesPattern("Stack.*", "Stacks.Push"));
  EXPECT_FALSE(MatchesPattern("", "A.B"));
}

TEST(AssignTests, EachTestToItsItem) {
  LabConfig lab = Lab();
  auto assignment = AssignTests(lab, Tests());
  ASSERT_EQ(assignment.size(), 3u);
  EXPECT_EQ(assignment[0].size(), 3u);
  EXPECT_EQ(assignment[1], (std::vector<std::string>{"Stack.Pop", "Stack.PopMany"}));
  EXPECT_EQ(assignment[2].size(), 2u);
}

TEST(AssignTests, TestMatchingNoItemIsALabConfigError) {
  LabConfig lab = Lab();
  TestLists tests = Tests();
  tests["public"].push_back("Stack.Peek");
  try {
    AssignTests(lab, tests);
    FAIL() << "expected LabConfigError";
  } catch (const LabConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("Stack.Peek (suite \"public\") matches no rubric item"),
              std::string::npos)
        << e.what();
  }
}

TEST(AssignTests, TestMatchingTwoItemsIsALabConfigError) {
  LabConfig lab = Lab();
  lab.rubric[1].tests.push_back("Stack.PushOne");
  EXPECT_THROW(AssignTests(lab, Tests()), LabConfigError);
}

TEST(AssignTests, PatternsApplyOnlyWithinTheItemsSuite) {
  LabConfig lab = Lab();
  TestLists tests = Tests();
  tests["hidden"].push_back("Stack.PushOne");  // same name, other suite: no item there
  EXPECT_THROW(AssignTests(lab, tests), LabConfigError);
}

TEST(AssignTests, ItemMatchingNoTestIsAnError) {
  LabConfig lab = Lab();
  TestLists tests = Tests();
  tests["hidden"] = {"Other.Case"};
  EXPECT_THROW(AssignTests(lab, tests), LabConfigError);
}

TEST(ComputeScore, AllPassIsExactly100) {
  LabConfig lab = Lab();
  auto assignment = AssignTests(lab, Tests());
  std::map<std::string, std::map<std::string, TestResultForScore>> results;
  for (const auto& [suite, names] : Tests()) {
    for (const auto& n : names) results[suite][n] = {true, 1.0};
  }
  Score score = ComputeScore(lab, assignment, results);
  EXPECT_NEAR(score.total, 100, 1e-9);
}

TEST(ComputeScore, PartialCreditSharesAndNormalisation) {
  LabConfig lab = Lab();  // 50 points in all: Push 30 (3 tests), Pop 10 (2), Edges 10 (2)
  auto assignment = AssignTests(lab, Tests());
  std::map<std::string, std::map<std::string, TestResultForScore>> results;
  results["public"]["Stack.PushOne"] = {true, 1.0};    // 10 of 50 raw
  results["public"]["Stack.PushTwo"] = {false, 1.0};   // nothing
  results["public"]["Stack.PushThree"] = {true, 0.5};  // 5 of 50
  results["public"]["Stack.Pop"] = {true, 1.0};        // 5 of 50
  results["hidden"]["EdgeCases.Full"] = {true, 0.25};  // 1.25 of 50
  Score score = ComputeScore(lab, assignment, results);
  EXPECT_NEAR(score.items[0].possible, 60, 1e-9);
  EXPECT_NEAR(score.items[0].earned, 30, 1e-9);  // (10 + 5) * 2
  EXPECT_NEAR(score.items[1].earned, 10, 1e-9);
  EXPECT_NEAR(score.items[2].earned, 2.5, 1e-9);
  EXPECT_NEAR(score.total, 42.5, 1e-9);
  EXPECT_EQ(score.items[0].passed, 2);
  EXPECT_NEAR(score.Find("Edges")->tests[1].fraction, 0.25, 1e-9);
}

TEST(ComputeScore, FailedTestsEarnNothingWhateverTheirFraction) {
  LabConfig lab = Lab();
  auto assignment = AssignTests(lab, Tests());
  std::map<std::string, std::map<std::string, TestResultForScore>> results;
  results["public"]["Stack.Pop"] = {false, 1.0};
  EXPECT_DOUBLE_EQ(ComputeScore(lab, assignment, results).total, 0);
}

TEST(ComputeScore, FractionsAreClamped) {
  LabConfig lab = Lab();
  auto assignment = AssignTests(lab, Tests());
  std::map<std::string, std::map<std::string, TestResultForScore>> results;
  results["public"]["Stack.Pop"] = {true, 7.0};
  EXPECT_NEAR(ComputeScore(lab, assignment, results).total, 10, 1e-9);
}

}  // namespace
}  // namespace labkit::grader
