// grader/score.h: scoring test results by a lab's rubric.
//
// Each test of each suite belongs to exactly one rubric item (by the item's
// patterns). An item's points are shared equally by its tests; a passing test
// earns its share times the fraction it reported. The total is normalised to 100.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "grader/lab_config.h"

namespace labkit::grader {

// GoogleTest-style pattern match over "Suite.Name": '*' any run, '?' one character.
bool MatchesPattern(std::string_view pattern, std::string_view name);

// suite name -> its tests (Suite.Name), from the reference build.
using TestLists = std::map<std::string, std::vector<std::string>>;

// Rubric item index -> its tests. Throws LabConfigError naming every test that
// matches no item or several, and every item that matches no test.
std::vector<std::vector<std::string>> AssignTests(const LabConfig& lab, const TestLists& tests);

// What a test achieved: passed, and the fraction it reported (1 if none).
struct TestResultForScore {
  bool passed = false;
  double fraction = 1.0;
};

struct TestScore {
  std::string name;
  bool passed = false;
  double fraction = 0;
  double earned = 0;    // normalised points
  double possible = 0;  // normalised points
};

struct ItemScore {
  const RubricItem* item = nullptr;
  std::vector<TestScore> tests;
  double earned = 0;    // normalised to the lab's 100
  double possible = 0;  // normalised to the lab's 100
  int passed = 0;       // tests passed
};

struct Score {
  std::vector<ItemScore> items;  // in rubric order
  double total = 0;              // 0..100

  const ItemScore* Find(std::string_view item_name) const;
};

// `results` is keyed by suite, then by test name; a test with no result scores 0.
Score ComputeScore(const LabConfig& lab, const std::vector<std::vector<std::string>>& assignment,
                   const std::map<std::string, std::map<std::string, TestResultForScore>>& results);

}  // namespace labkit::grader
