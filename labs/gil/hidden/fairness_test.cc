// Hidden tests: fairness among CPU-bound threads. With forced switching, two CPU-bound threads
// strictly alternate: each drop on request hands the GIL to the other thread. A "turn" is a
// stretch of holding the GIL that another thread's turn preceded (testing::Holders); a drop
// and re-take by the same thread is no new turn.
//
// As in the forced-switching tests, woken waiters pause 2 ms (the GIL's test hook), so a GIL
// that lets the dropper compete again starves the others every time, not now and then.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "gil/eval.h"
#include "gil/gil.h"
#include "labkit/observe.h"
#include "labs/gil/tests/workloads.h"

namespace gil {
namespace {

using testing::SharedObjects;
using testing::Worker;
using namespace std::chrono_literals;

TEST(Fairness, TwoCpuBoundThreadsAlternate) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  interp.gil.test_wakeup_delay_micros = 2000;
  SharedObjects objects(2);
  Worker a(interp, testing::CpuLoop(), objects.pointers(), -1);
  Worker b(interp, testing::CpuLoop(), objects.pointers(), -1);
  const bool enough = testing::RunUntilResumes(interp, {&a, &b}, 40);
  EXPECT_EQ(a.error(), "");
  EXPECT_EQ(b.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(enough));

  const std::vector<Event> events = interp.events().Events();
  std::map<int, int> turns;
  for (int holder : testing::Holders(events)) {
    ++turns[holder];
  }
  // Every one of the 40 resumptions was a turn, alternating: about 20 each, never more than
  // one apart.
  EXPECT_GE(turns[a.id()], 15) << testing::Describe(events);
  EXPECT_GE(turns[b.id()], 15) << testing::Describe(events);
  EXPECT_LE(std::abs(turns[a.id()] - turns[b.id()]), 1);
  EXPECT_TRUE(LABKIT_OBSERVE(turns[a.id()] >= 15 && turns[b.id()] >= 15 &&
                             std::abs(turns[a.id()] - turns[b.id()]) <= 1));
}

// With three threads the order is not fixed, but no thread may starve: a fair GIL gives each
// about a third of the turns; the test asks for 10 of the first 90.
TEST(Fairness, ThreeCpuBoundThreadsEachGetTurns) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  interp.gil.test_wakeup_delay_micros = 2000;
  SharedObjects objects(2);
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Worker*> pointers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(std::make_unique<Worker>(interp, testing::CpuLoop(), objects.pointers(), -1));
    pointers.push_back(workers.back().get());
  }
  const bool enough = testing::RunUntilResumes(interp, pointers, 90);
  for (auto& w : workers) {
    EXPECT_EQ(w->error(), "");
  }
  EXPECT_TRUE(LABKIT_OBSERVE(enough));
  const std::vector<Event> events = interp.events().Events();
  std::map<int, int> turns;
  for (int holder : testing::Holders(events)) {
    ++turns[holder];
  }
  bool everyone = true;
  for (auto& w : workers) {
    EXPECT_GE(turns[w->id()], 10) << "thread " << w->id() << " starved";
    everyone = everyone && turns[w->id()] >= 10;
  }
  EXPECT_TRUE(LABKIT_OBSERVE(everyone)) << testing::Describe(events);
}

}  // namespace
}  // namespace gil
