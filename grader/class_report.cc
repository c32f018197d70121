// grader/class_report.cc: gradebook.csv and report.html (see class_report.h).
#include "grader/class_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

namespace labkit::embedded {
std::string_view ChartJs();  // third_party/chartjs
}

namespace labkit::grader {
namespace {

std::string Number(double value) { return fmt::format("{:.2f}", value); }

std::string Percent(double fraction) { return fmt::format("{:.0f}%", fraction * 100); }

// JSON to embed in a <script> element: "</script>" and "<!--" cannot occur.
std::string ScriptJson(const nlohmann::json& j) {
  std::string text = j.dump();
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// A relative link to a file of a submission's folder (dir names are safe
// file names, but escaped all the same).
std::string Link(const SubmissionRecord& r, const char* file, const char* label) {
  return fmt::format("<a href=\"{}/{}\">{}</a>", HtmlEscape(r.dir_name), file, label);
}

struct TestStats {
  std::string suite, item;
  bool hidden = false;
  int ran = 0;  // submissions that built
  int passed = 0;
};

const char* kStyle = R"CSS(
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1f2933; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; font-size: 1.25rem; }
.sub { color: #52606d; margin-top: 0; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 1px solid #d9e2ec; border-radius: 8px; padding: .6rem 1rem; min-width: 9rem; }
.card b { display: block; font-size: 1.5rem; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.chart { border: 1px solid #d9e2ec; border-radius: 8px; padding: .5rem; height: 320px; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f5f7fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: #b91c1c; } .tag { font-size: .8rem; color: #52606d; }
.bar { background: #e4e7eb; height: .6rem; width: 8rem; border-radius: 3px; display: inline-block; }
.bar span { background: #2563eb; height: 100%; display: block; border-radius: 3px; }
details summary { cursor: pointer; margin: .5rem 0; }
)CSS";

// Draws the two charts from the inline data; no animation, so that a
// screenshot taken at load shows them whole.
const char* kChartScript = R"JS(
(function () {
  const data = JSON.parse(document.getElementById('class-data').textContent);
  const common = { animation: false, responsive: true, maintainAspectRatio: false,
                   plugins: { legend: { display: false } } };
  new Chart(document.getElementById('histogram'), {
    type: 'bar',
    data: { labels: data.bins, datasets: [{ label: 'submissions', data: data.histogram,
            backgroundColor: 'rgb(37, 99, 235)' }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true,
             ticks: { precision: 0 }, title: { display: true, text: 'submissions' } },
             x: { title: { display: true, text: 'score' } } } })
  });
  new Chart(document.getElementById('items'), {
    type: 'bar',
    data: { labels: data.items, datasets: [{ label: 'points earned', data: data.item_rates,
            backgroundColor: 'rgb(22, 163, 74)' }] },
    options: Object.assign({}, common, { indexAxis: 'y', scales: { x: { min: 0, max: 100,
             title: { display: true, text: '% of the item\'s points earned, class average' } } } })
  });
})();
)JS";

}  // namespace

std::string CsvField(const std::string& text) {
  std::string field = text;
  if (!field.empty() && std::string_view("=+-@\t\r").find(field[0]) != std::string_view::npos) {
    field = "'" + field;  // a spreadsheet would evaluate it as a formula
  }
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    return field;
  }
  std::string quoted = "\"";
  for (char c : field) {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return quoted + "\"";
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string GradebookCsv(const BatchInfo& info, const std::vector<SubmissionRecord>& records) {
  std::string csv = "submission,score";
  for (const auto& [item, points] : info.items) {
    csv += "," + CsvField(item);
  }
  csv += ",status\r\n";
  for (const SubmissionRecord& r : records) {
    std::map<std::string, double> earned(r.items.begin(), r.items.end());
    csv += CsvField(r.id) + "," + Number(r.score);
    for (const auto& [item, points] : info.items) {
      auto it = earned.find(item);
      csv += "," + (it != earned.end() ? Number(it->second) : Number(0));
    }
    csv += "," + CsvField(r.status) + "\r\n";
  }
  return csv;
}

std::string ClassReportHtml(const BatchInfo& info, const std::vector<SubmissionRecord>& records) {
  const int n = static_cast<int>(records.size());
  std::vector<double> scores;
  std::map<std::string, int> statuses;
  for (const auto& r : records) {
    scores.push_back(r.score);
    ++statuses[r.status];
  }
  std::sort(scores.begin(), scores.end());
  double mean = 0;
  for (double s : scores) {
    mean += s;
  }
  mean = n > 0 ? mean / n : 0;
  double median = n == 0 ? 0 : n % 2 ? scores[n / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2;

  // Histogram: ten bins of ten points, 100 in the last.
  std::vector<int> histogram(10, 0);
  for (double s : scores) {
    histogram[std::min(9, static_cast<int>(std::floor(s / 10)))]++;
  }
  nlohmann::json bins = nlohmann::json::array();
  for (int b = 0; b < 10; ++b) {
    bins.push_back(fmt::format("{}-{}", b * 10, b == 9 ? 100 : b * 10 + 9));
  }

  // Rubric items: the average share of each item's points earned.
  nlohmann::json item_names = nlohmann::json::array(), item_rates = nlohmann::json::array();
  std::vector<double> rates;
  for (const auto& [item, points] : info.items) {
    double earned = 0;
    for (const auto& r : records) {
      for (const auto& [name, value] : r.items) {
        if (name == item) {
          earned += value;
        }
      }
    }
    double rate = n > 0 && points > 0 ? earned / n / points : 0;
    rates.push_back(rate);
    item_names.push_back(item);
    item_rates.push_back(std::round(rate * 1000) / 10);
  }

  // Tests: pass rates among the submissions whose tests ran.
  std::map<std::string, TestStats> tests;  // "suite/name"
  for (const auto& r : records) {
    for (const TestRecord& t : r.tests) {
      TestStats& s = tests[t.suite + "/" + t.name];
      s.suite = t.suite;
      s.item = t.item;
      s.hidden = t.hidden;
      if (t.reason == "not built") {
        continue;
      }
      ++s.ran;
      if (t.passed) {
        ++s.passed;
      }
    }
  }
  std::vector<std::pair<std::string, TestStats>> by_rate(tests.begin(), tests.end());
  auto rate_of = [](const TestStats& s) { return s.ran > 0 ? double(s.passed) / s.ran : 1.0; };
  std::stable_sort(by_rate.begin(), by_rate.end(), [&](const auto& a, const auto& b) {
    return rate_of(a.second) < rate_of(b.second);
  });

  nlohmann::json data = {
      {"bins", bins}, {"histogram", histogram}, {"items", item_names}, {"item_rates", item_rates}};

  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + HtmlEscape(info.lab_id) + " — class report</title>\n";
  h += std::string("<style>") + kStyle + "</style>\n</head>\n<body>\n";
  h += "<h1>" + HtmlEscape(info.lab_id) + " — class report</h1>\n";
  h += "<p class=\"sub\">" + HtmlEscape(info.lab_title) + " · " + date + "</p>\n";

  h += "<div class=\"cards\">\n";
  auto card = [&](const std::string& label, const std::string& value, const std::string& id) {
    h += "<div class=\"card\" id=\"" + id + "\">" + HtmlEscape(label) + "<b>" + HtmlEscape(value) +
         "</b></div>\n";
  };
  card("submissions", std::to_string(n), "count");
  card("mean score", Number(mean), "mean");
  card("median score", Number(median), "median");
  card("scored 100", std::to_string(std::count(scores.begin(), scores.end(), 100.0)), "perfect");
  card("not graded ok", std::to_string(n - statuses["ok"]), "not-ok");
  h += "</div>\n";

  h += "<h2>Scores and rubric items</h2>\n<div class=\"charts\">\n";
  h += "<div class=\"chart\"><canvas id=\"histogram\" aria-label=\"score "
       "histogram\"></canvas></div>\n";
  h += "<div class=\"chart\"><canvas id=\"items\" aria-label=\"rubric items\"></canvas></div>\n";
  h += "</div>\n";
  h += "<table id=\"rubric\"><tr><th>rubric item</th><th>points</th><th>earned, class "
       "average</th></tr>\n";
  for (size_t i = 0; i < info.items.size(); ++i) {
    h += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td><span class=\"bar\"><span "
        "style=\"width:{:.0f}%\">"
        "</span></span> {}</td></tr>\n",
        HtmlEscape(info.items[i].first), Number(info.items[i].second), rates[i] * 100,
        Percent(rates[i]));
  }
  h += "</table>\n";

  h += "<h2>The tests most students fail</h2>\n<table id=\"hardest\">\n";
  h += "<tr><th>test</th><th>rubric item</th><th>passed</th><th>pass rate</th></tr>\n";
  int shown = 0;
  for (const auto& [key, s] : by_rate) {
    if (shown == 10 || s.ran == 0 || s.passed == s.ran) {
      break;
    }
    ++shown;
    h += fmt::format("<tr><td>{}{}</td><td>{}</td><td class=\"num\">{} / {}</td><td>{}</td></tr>\n",
                     HtmlEscape(key.substr(key.find('/') + 1)),
                     s.hidden ? " <span class=\"tag\">hidden</span>" : "", HtmlEscape(s.item),
                     s.passed, s.ran, Percent(rate_of(s)));
  }
  if (shown == 0) {
    h += "<tr><td colspan=\"4\">Every test that ran passed everywhere.</td></tr>\n";
  }
  h += "</table>\n";
  h += "<details><summary>Every test's pass rate (" + std::to_string(tests.size()) +
       " tests)</summary>\n<table id=\"tests\">\n";
  h +=
      "<tr><th>test</th><th>suite</th><th>rubric item</th><th>passed</th><th>pass rate</th></tr>\n";
  for (const auto& [key, s] : tests) {
    h += fmt::format(
        "<tr><td>{}</td><td>{}{}</td><td>{}</td><td class=\"num\">{} / {}</td><td>{}</td></tr>\n",
        HtmlEscape(key.substr(key.find('/') + 1)), HtmlEscape(s.suite), s.hidden ? " (hidden)" : "",
        HtmlEscape(s.item), s.passed, s.ran, s.ran > 0 ? Percent(rate_of(s)) : "—");
  }
  h += "</table></details>\n";

  // Submissions that did not get to run their tests, by status.
  for (const char* status : {"compile error", "link error", "rejected upload", "missing files",
                             "rejected code", "timed out"}) {
    std::vector<const SubmissionRecord*> list;
    for (const auto& r : records) {
      if (r.status == status) {
        list.push_back(&r);
      }
    }
    if (list.empty()) {
      continue;
    }
    std::string title = status;
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    h += fmt::format("<h2>{} ({})</h2>\n<table class=\"status-list\" data-status=\"{}\">\n", title,
                     list.size(), status);
    h += "<tr><th>submission</th><th>score</th><th>why</th><th></th></tr>\n";
    for (const SubmissionRecord* r : list) {
      h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
                       HtmlEscape(r->id), Number(r->score), HtmlEscape(r->detail),
                       Link(*r, "instructor.log", "log"));
    }
    h += "</table>\n";
  }

  std::vector<const SubmissionRecord*> slowest;
  slowest.reserve(records.size());
  for (const auto& r : records) {
    slowest.push_back(&r);
  }
  std::stable_sort(slowest.begin(), slowest.end(),
                   [](const auto* a, const auto* b) { return a->seconds > b->seconds; });
  if (slowest.size() > 10) {
    slowest.resize(10);
  }
  h += "<h2>The slowest submissions</h2>\n<table id=\"slowest\">\n";
  h += "<tr><th>submission</th><th>grading time</th><th>score</th><th>status</th></tr>\n";
  for (const SubmissionRecord* r : slowest) {
    h += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{:.1f} s</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
        HtmlEscape(r->id), r->seconds, Number(r->score), HtmlEscape(r->status));
  }
  h += "</table>\n";

  h += "<h2>Every submission</h2>\n<table id=\"students\">\n<tr><th>submission</th><th>name</th>"
       "<th>score</th><th>status</th><th>results</th></tr>\n";
  for (const auto& r : records) {
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td{}>{}</td><td>{} · {}</td></tr>\n",
        HtmlEscape(r.id), HtmlEscape(r.name), Number(r.score),
        r.status == "ok" ? "" : " class=\"bad\"", HtmlEscape(r.status),
        Link(r, "results.json", "results.json"), Link(r, "instructor.log", "instructor log"));
  }
  h += "</table>\n";

  h += "<script id=\"class-data\" type=\"application/json\">" + ScriptJson(data) + "</script>\n";
  h += "<script>" + std::string(embedded::ChartJs()) + "</script>\n";
  h += std::string("<script>") + kChartScript + "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace labkit::grader
