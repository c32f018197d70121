// Hidden tests: every trace (Python, hidden and public, and synthetic edge cases) replayed
// with full checks: alignment, no overlap, payload kept, small blocks inside arenas only,
// nothing raw left behind.
#include <gtest/gtest.h>

#include <string>

#include "labkit/observe.h"
#include "labs/pymalloc/hidden/hidden_traces.h"
#include "pymalloc/obmalloc.h"

namespace pymalloc {
namespace {

class Traces : public ::testing::TestWithParam<std::string> {};

// Each trace in the small geometry, and in the large one with arenas that are neither
// pool- nor 1 MiB-aligned.
TEST_P(Traces, Replay) {
  traces::Trace trace = traces::AnyTrace(GetParam());
  for (bool large : {false, true}) {
    SCOPED_TRACE(large ? "large geometry, unaligned arenas" : "small geometry");
    OsLayer os;
    if (large) os.SetArenaOffset(7 * 4096);
    Allocator a(large ? Geometry::Large() : Geometry::Small(), &os);
    traces::ReplayResult r = traces::CheckedReplay(a, trace);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(LABKIT_OBSERVE(r.events), trace.events.size());
    EXPECT_LE(LABKIT_OBSERVE(os.live_arenas()), 1u) << "every block is freed: one arena at most";
    EXPECT_EQ(LABKIT_OBSERVE(os.raw_live_blocks()), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(All, Traces, ::testing::ValuesIn(traces::AllTraceNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pymalloc
