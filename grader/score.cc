// grader/score.cc: the rubric arithmetic.
//
// Design: scoring is pure (no I/O, no sandbox) so it can be unit-tested on its
// own and reused by `check`. The test -> item assignment is computed from the
// reference's test list and is strict: a test that no item claims would be
// silently worth nothing, and one claimed twice would be counted twice, so both
// are lab-config errors reported all at once for the instructor to fix.
#include "grader/score.h"

#include <fmt/format.h>

#include <algorithm>

namespace labkit::grader {

bool MatchesPattern(std::string_view pattern, std::string_view name) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

const ItemScore* Score::Find(std::string_view item_name) const {
  for (const auto& item : items) {
    if (item.item && item.item->name == item_name) {
      return &item;
    }
  }
  return nullptr;
}

std::vector<std::vector<std::string>> AssignTests(const LabConfig& lab, const TestLists& tests) {
  std::vector<std::vector<std::string>> assignment(lab.rubric.size());
  std::vector<std::string> problems;
  for (const auto& [suite, names] : tests) {
    for (const auto& test : names) {
      std::vector<size_t> owners;
      for (size_t i = 0; i < lab.rubric.size(); ++i) {
        const RubricItem& item = lab.rubric[i];
        if (item.suite != suite) {
          continue;
        }
        for (const auto& pattern : item.tests) {
          if (MatchesPattern(pattern, test)) {
            owners.push_back(i);
            break;
          }
        }
      }
      if (owners.empty()) {
        problems.push_back(
            fmt::format("test {} (suite \"{}\") matches no rubric item", test, suite));
      } else if (owners.size() > 1) {
        std::string names_list;
        for (size_t i : owners) {
          names_list += (names_list.empty() ? "\"" : ", \"") + lab.rubric[i].name + "\"";
        }
        problems.push_back(fmt::format("test {} (suite \"{}\") matches several rubric items: {}",
                                       test, suite, names_list));
      } else {
        assignment[owners[0]].push_back(test);
      }
    }
  }
  for (size_t i = 0; i < lab.rubric.size(); ++i) {
    if (assignment[i].empty() && tests.count(lab.rubric[i].suite)) {
      problems.push_back(fmt::format("rubric item \"{}\" matches no test of suite \"{}\"",
                                     lab.rubric[i].name, lab.rubric[i].suite));
    }
  }
  if (!problems.empty()) {
    std::string message = fmt::format("lab.json of {}: the rubric does not fit the tests:", lab.id);
    for (const auto& p : problems) {
      message += "\n  - " + p;
    }
    throw LabConfigError(message);
  }
  return assignment;
}

Score ComputeScore(
    const LabConfig& lab, const std::vector<std::vector<std::string>>& assignment,
    const std::map<std::string, std::map<std::string, TestResultForScore>>& results) {
  Score score;
  double total_points = lab.TotalPoints();
  double scale = total_points > 0 ? 100.0 / total_points : 0;
  for (size_t i = 0; i < lab.rubric.size(); ++i) {
    const RubricItem& item = lab.rubric[i];
    ItemScore item_score;
    item_score.item = &item;
    item_score.possible = item.points * scale;
    const auto& tests = i < assignment.size() ? assignment[i] : std::vector<std::string>{};
    double share = tests.empty() ? 0 : item_score.possible / tests.size();
    auto suite_results = results.find(item.suite);
    for (const auto& test : tests) {
      TestScore t;
      t.name = test;
      t.possible = share;
      if (suite_results != results.end()) {
        auto r = suite_results->second.find(test);
        if (r != suite_results->second.end() && r->second.passed) {
          t.passed = true;
          t.fraction = std::clamp(r->second.fraction, 0.0, 1.0);
          t.earned = share * t.fraction;
          ++item_score.passed;
        }
      }
      item_score.earned += t.earned;
      item_score.tests.push_back(t);
    }
    score.total += item_score.earned;
    score.items.push_back(std::move(item_score));
  }
  if (score.total > 100) {
    score.total = 100;
  }
  return score;
}

}  // namespace labkit::grader
