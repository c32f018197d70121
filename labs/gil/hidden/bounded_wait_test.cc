// Hidden tests: a thread that waits for the GIL gets it within a bounded number of switch
// intervals, even beside a thread that never lets go on its own (rules 2 and 4).
//
// "Bounded" is checked loosely, so that a loaded machine cannot fail a correct GIL: with a
// 1 ms interval a waiter needs about 1-2 ms; the tests allow seconds and stop the CPU-bound
// holder only afterwards, so a waiter that got the GIL only because the holder stopped fails.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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

void WaitersBesideACpuThread(int waiters) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  Worker holder(interp, testing::CpuLoop(), objects.pointers(), -1);
  holder.Start();
  ASSERT_TRUE(testing::WaitUntil([&] { return holder.attached() || holder.done(); },
                                 testing::kProgressLimit));

  std::vector<std::unique_ptr<Worker>> others;
  for (int i = 0; i < waiters; ++i) {
    others.push_back(std::make_unique<Worker>(interp, testing::CpuLoop(), objects.pointers(), 100));
    others.back()->Start();
  }
  const bool all_ran = testing::WaitUntil(
      [&] {
        for (const auto& w : others) {
          if (!w->done()) {
            return false;
          }
        }
        return true;
      },
      testing::kProgressLimit);
  const bool holder_still_running = !holder.done();
  holder.Stop();
  holder.Join();
  for (auto& w : others) {
    w->Join();
    EXPECT_EQ(w->error(), "");
  }
  EXPECT_EQ(holder.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(all_ran)) << "a waiter did not get the GIL within the progress limit";
  EXPECT_TRUE(LABKIT_OBSERVE(holder_still_running));
  EXPECT_GE(objects[0].value, 100 * waiters);
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(objects[1].ob_refcnt.load()), 1);
  // The holder never blocks: it let go only on request.
  const std::vector<Event> events = interp.events().Events();
  EXPECT_GE(testing::CountOf(events, holder.id(), EventKind::kBreakerTrip), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.Overlaps()), 0u);
}

TEST(BoundedWait, OneWaiterBesideACpuBoundThread) { WaitersBesideACpuThread(1); }

TEST(BoundedWait, ThreeWaitersBesideACpuBoundThread) { WaitersBesideACpuThread(3); }

// A waiter whose wait times out while the GIL changed hands in the meantime does not ask for
// a drop: the new holder has only just begun its interval. Here the holder changes often
// (two CPU threads), yet the waiters' requests never outnumber their time-outs.
TEST(BoundedWait, RequestsOnlyAfterATimeout) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  Worker a(interp, testing::CpuLoop(), objects.pointers(), -1);
  Worker b(interp, testing::CpuLoop(), objects.pointers(), -1);
  const bool switched = testing::RunUntilResumes(interp, {&a, &b}, 20);
  EXPECT_TRUE(LABKIT_OBSERVE(switched));
  const std::vector<Event> events = interp.events().Events();
  for (const Worker* w : {&a, &b}) {
    std::uint64_t requests = 0;
    for (const Event& e : testing::EventsOf(events, w->id(), EventKind::kDropRequestStore)) {
      requests += e.arg == 1 ? 1 : 0;
    }
    EXPECT_LE(requests, testing::CountOf(events, w->id(), EventKind::kWaitTimedOut));
  }
}

}  // namespace
}  // namespace gil
