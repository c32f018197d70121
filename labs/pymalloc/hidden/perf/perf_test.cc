// Hidden performance tests, malloc-lab style, built optimised (suite "perf", config "opt").
//
// Every Python trace is first replayed with full checks through the submission (a trace it
// gets wrong scores 0 here, as in malloc lab). Then:
//   Throughput.<trace>   the trace replayed through the submission and through a private
//                        copy of the reference, interleaved, in both geometries; the best
//                        of several runs each; score from ratio = reference time /
//                        submission time, in the same process, never an absolute time.
//   Utilization.<trace>  peak footprint (arena + raw + radix-node bytes, counted by the
//                        given OsLayer) of the reference / of the submission: deterministic.
// Scores are reported with labkit::ReportFraction on generous curves, so that the
// reference against itself earns full marks even on a loaded machine.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include "labkit/observe.h"
#include "labs/pymalloc/hidden/hidden_traces.h"
#include "labs/pymalloc/hidden/perf/reference_api.h"
#include "pymalloc/obmalloc.h"

namespace pymalloc {
namespace {

// CPU time of the calling thread, in seconds. Wall-clock time counts the moments another
// process has the core, and the grading machine is shared: with wall time, the reference
// timed against itself came out at 0.6x on a loaded 2-core machine. CPU time leaves those out
// (cache pollution by the neighbours remains, hence the best of several rounds).
double ThreadSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Full marks from this ratio up; nothing at or below the floor; linear between.
double Curve(double ratio, double floor, double full) {
  return std::clamp((ratio - floor) / (full - floor), 0.0, 1.0);
}

constexpr double kThroughputFloor = 0.25;
constexpr double kThroughputFull = 0.7;
constexpr double kUtilizationFloor = 0.5;
constexpr double kUtilizationFull = 0.95;
constexpr int kRounds = 11;          // interleaved timing rounds; the best of each side wins
constexpr int kReplaysPerRound = 2;  // replays per timed sample

// The trace's checks, in both geometries; "" when everything held.
std::string CheckTrace(const traces::Trace& trace) {
  for (bool large : {false, true}) {
    Allocator a(large ? Geometry::Large() : Geometry::Small());
    traces::ReplayResult r = traces::CheckedReplay(a, trace);
    if (!r.error.empty()) return (large ? "large geometry: " : "small geometry: ") + r.error;
  }
  return "";
}

double SubmissionSeconds(const traces::Trace& trace, bool large, std::vector<void*>& slots) {
  Allocator a(large ? Geometry::Large() : Geometry::Small());
  double start = ThreadSeconds();
  for (int i = 0; i < kReplaysPerRound; ++i) {
    traces::FastReplay(
        trace, slots.data(), [&a](std::size_t n) { return a.Malloc(n); },
        [&a](void* p, std::size_t n) { return a.Realloc(p, n); }, [&a](void* p) { a.Free(p); });
  }
  return ThreadSeconds() - start;
}

double ReferenceSeconds(const traces::Trace& trace, bool large, std::vector<void*>& slots) {
  pymalloc_reference::ReferenceHeap* heap = pymalloc_reference::NewReferenceHeap(large);
  double start = ThreadSeconds();
  for (int i = 0; i < kReplaysPerRound; ++i) {
    traces::FastReplay(
        trace, slots.data(),
        [heap](std::size_t n) { return pymalloc_reference::ReferenceMalloc(heap, n); },
        [heap](void* p, std::size_t n) { return pymalloc_reference::ReferenceRealloc(heap, p, n); },
        [heap](void* p) { pymalloc_reference::ReferenceFree(heap, p); });
  }
  double seconds = ThreadSeconds() - start;
  pymalloc_reference::DeleteReferenceHeap(heap);
  return seconds;
}

// The six Python traces in three groups of two (fewer, longer tests: each test is one
// sandboxed process when graded).
std::vector<std::string> TraceGroups() {
  return {"json_roundtrip+compile_ast", "regex_scan+unittest_run", "tokenize_source+objects_churn"};
}

std::vector<traces::Trace> TracesOf(const std::string& group) {
  std::vector<traces::Trace> out;
  std::size_t plus = group.find('+');
  out.push_back(traces::AnyTrace(group.substr(0, plus)));
  out.push_back(traces::AnyTrace(group.substr(plus + 1)));
  return out;
}

std::string TestName(const std::string& group) {
  std::string name = group;
  name[name.find('+')] = '_';
  return name;
}

class Throughput : public ::testing::TestWithParam<std::string> {};

TEST_P(Throughput, AgainstTheReference) {
  double fraction_sum = 0;
  std::vector<traces::Trace> group = TracesOf(GetParam());
  for (const traces::Trace& trace : group) {
    std::string error = CheckTrace(trace);
    EXPECT_EQ(error, "") << "a trace replayed wrongly scores 0";
    if (!error.empty()) continue;
    std::vector<void*> slots(trace.num_ids, nullptr);
    double best_submission = 1e9, best_reference = 1e9;
    for (int round = 0; round < kRounds; ++round) {
      double s = 0, r = 0;
      for (bool large : {false, true}) {
        // Alternate who goes first, so neither side always runs on a warmer cache.
        if (round % 2 == 0) {
          s += SubmissionSeconds(trace, large, slots);
          r += ReferenceSeconds(trace, large, slots);
        } else {
          r += ReferenceSeconds(trace, large, slots);
          s += SubmissionSeconds(trace, large, slots);
        }
      }
      best_submission = std::min(best_submission, s);
      best_reference = std::min(best_reference, r);
    }
    double ratio = best_reference / best_submission;
    std::printf("throughput %s: submission %.3f ms, reference %.3f ms, ratio %.2f\n",
                trace.name.c_str(), best_submission * 1e3, best_reference * 1e3, ratio);
    fraction_sum += Curve(ratio, kThroughputFloor, kThroughputFull);
    LABKIT_OBSERVE(trace.events.size());
  }
  labkit::ReportFraction(fraction_sum / static_cast<double>(group.size()));
}

class Utilization : public ::testing::TestWithParam<std::string> {};

TEST_P(Utilization, AgainstTheReference) {
  double fraction_sum = 0;
  std::vector<traces::Trace> group = TracesOf(GetParam());
  for (const traces::Trace& trace : group) {
    std::string error = CheckTrace(trace);
    EXPECT_EQ(error, "") << "a trace replayed wrongly scores 0";
    if (!error.empty()) continue;
    std::vector<void*> slots(trace.num_ids, nullptr);
    for (bool large : {false, true}) {
      OsLayer os;
      std::size_t submission_peak;
      {
        Allocator a(large ? Geometry::Large() : Geometry::Small(), &os);
        traces::FastReplay(
            trace, slots.data(), [&a](std::size_t n) { return a.Malloc(n); },
            [&a](void* p, std::size_t n) { return a.Realloc(p, n); }, [&a](void* p) { a.Free(p); });
        submission_peak = os.peak_footprint();
      }
      pymalloc_reference::ReferenceHeap* heap = pymalloc_reference::NewReferenceHeap(large);
      traces::FastReplay(
          trace, slots.data(),
          [heap](std::size_t n) { return pymalloc_reference::ReferenceMalloc(heap, n); },
          [heap](void* p, std::size_t n) {
            return pymalloc_reference::ReferenceRealloc(heap, p, n);
          },
          [heap](void* p) { pymalloc_reference::ReferenceFree(heap, p); });
      std::size_t reference_peak = pymalloc_reference::ReferencePeakFootprint(heap);
      pymalloc_reference::DeleteReferenceHeap(heap);
      double ratio = static_cast<double>(reference_peak) / static_cast<double>(submission_peak);
      std::printf("utilization %s (%s): submission %zu bytes, reference %zu bytes, ratio %.3f\n",
                  trace.name.c_str(), large ? "large" : "small", submission_peak, reference_peak,
                  ratio);
      fraction_sum += Curve(ratio, kUtilizationFloor, kUtilizationFull);
    }
    LABKIT_OBSERVE(trace.events.size());
  }
  labkit::ReportFraction(fraction_sum / (2.0 * static_cast<double>(group.size())));
}

INSTANTIATE_TEST_SUITE_P(Python, Throughput, ::testing::ValuesIn(TraceGroups()),
                         [](const auto& info) { return TestName(info.param); });
INSTANTIATE_TEST_SUITE_P(Python, Utilization, ::testing::ValuesIn(TraceGroups()),
                         [](const auto& info) { return TestName(info.param); });

}  // namespace
}  // namespace pymalloc
