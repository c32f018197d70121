// grader/class_report.h: a class's results for the instructor: the gradebook and report.html.
//
// gradebook.csv: one row per submission, sorted by id: `submission`, `score`
// (of 100), one column per rubric item (its points, of the item's share of
// 100), `status` (ok, compile error, rejected upload, missing files, rejected
// code, link error, timed out). RFC 4180 quoting, UTF-8, "\r\n" line ends, as
// spreadsheets, Canvas and Gradescope's score import read it; a field that a
// spreadsheet would take for a formula is prefixed with an apostrophe.
//
// report.html: one self-contained file (no network): Chart.js is embedded
// (third_party/chartjs), the data is inline JSON, the tables are plain HTML
// so the numbers are there without JavaScript too. It shows the score
// histogram, each rubric item's and each test's pass rate (hidden tests
// included: it is for the instructor), the tests most students fail, the
// submissions that did not build or were rejected, the slowest ones, and a
// row per student linked to their results.json and instructor.log. Every
// string from a submission (ids, names, messages) is escaped.
#pragma once

#include <string>
#include <vector>

#include "grader/batch.h"

namespace labkit::grader {

std::string GradebookCsv(const BatchInfo& info, const std::vector<SubmissionRecord>& records);

std::string ClassReportHtml(const BatchInfo& info, const std::vector<SubmissionRecord>& records);

// One CSV field, quoted when it must be and defused against formula injection.
std::string CsvField(const std::string& text);

// Text for HTML element content and attribute values.
std::string HtmlEscape(const std::string& text);

}  // namespace labkit::grader
