// Hidden tests: drop requests and the eval breaker (gil/gil.h rules 2 and 4): who sets them,
// what they trip, and that each one is answered and cleared exactly once.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
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

TEST(DropRequests, SetAndResetDriveTheEvalBreaker) {
  Interpreter interp;
  interp.SetGilDropRequest();
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 1);
  interp.ResetGilDropRequest();
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
  // ComputeEvalBreaker follows the request, both ways.
  interp.gil_drop_request.Store(1);
  interp.ComputeEvalBreaker();
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 1);
  interp.gil_drop_request.Store(0);
  interp.ComputeEvalBreaker();
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
}

TEST(DropRequests, BreakerWithoutRequestKeepsTheGil) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  BindThread(a);
  interp.AttachThread(a);
  interp.eval_breaker.Store(1);  // tripped for some other reason
  interp.HandleEvalBreaker(a);
  EXPECT_EQ(Interpreter::Current(), a);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 1);
  // Not released (no signal), and the breaker recomputed.
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kSignal)), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
  interp.DetachThread(a);
}

// The holder sits idle (not in the loop), so the waiter's requests pile up unanswered; then
// the holder handles its eval breaker as the loop would.
TEST(DropRequests, WaiterRequestsAndHolderAnswers) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  ThreadState* main_ts = interp.NewThreadState();
  BindThread(main_ts);
  interp.AttachThread(main_ts);
  Worker worker(interp, testing::CpuLoop(), objects.pointers(), 10);
  worker.Start();
  const bool requested =
      testing::WaitUntil([&] { return interp.gil_drop_request.Load() == 1 || worker.done(); },
                         testing::kProgressLimit);
  ASSERT_TRUE(LABKIT_OBSERVE(requested));
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 1);
  EXPECT_FALSE(worker.attached());

  // From now on main must not time out and ask the worker to drop (main is not running
  // bytecode, so the worker would then wait for main forever): a long interval for the waits
  // to come. The worker's current wait ends when main drops.
  interp.SetSwitchInterval(10.0);
  interp.HandleEvalBreaker(main_ts);  // drops, lets the worker run, takes the GIL back
  EXPECT_EQ(Interpreter::Current(), main_ts);
  {
    AllowThreads allow(interp);  // never join a thread while holding the GIL
    worker.Join();
  }
  EXPECT_EQ(worker.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(worker.attached()));
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 10);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 3u);  // main, worker, main (AllowThreads
                                                            // re-took it with no switch)
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
  interp.DetachThread(main_ts);

  // Each of the worker's time-outs while the GIL was still held and had not changed hands
  // asked for a drop (all but perhaps the last, which can end just as main lets go).
  const std::vector<Event> events = interp.events().Events();
  const std::uint64_t timeouts = testing::CountOf(events, worker.id(), EventKind::kWaitTimedOut);
  std::uint64_t requests = 0;
  for (const Event& e : testing::EventsOf(events, worker.id(), EventKind::kDropRequestStore)) {
    requests += e.arg == 1 ? 1 : 0;
  }
  EXPECT_TRUE(LABKIT_OBSERVE(requests >= 1));
  EXPECT_LE(requests, timeouts) << testing::Describe(events);
  EXPECT_GE(requests + 1, timeouts) << testing::Describe(events);
}

TEST(DropRequests, OneTripPerRequest) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  Worker a(interp, testing::CpuLoop(), objects.pointers(), -1);
  Worker b(interp, testing::CpuLoop(), objects.pointers(), -1);
  const bool switched = testing::RunUntilResumes(interp, {&a, &b}, 20);
  EXPECT_EQ(a.error(), "");
  EXPECT_EQ(b.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(switched));
  const std::vector<Event> events = interp.events().Events();
  const std::uint64_t trips = testing::TripsOf(events).size();
  const std::uint64_t requests = testing::DropRequestStores(events, 1);
  // Every trip answers a request; a request is answered once (a stale request left set makes
  // the next holder trip again, and again...).
  EXPECT_GE(trips, 1u);
  EXPECT_LE(trips, requests + 2) << testing::Describe(events);
  EXPECT_TRUE(LABKIT_OBSERVE(trips <= requests + 2));
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
}

TEST(DropRequests, NoRequestsWithoutAWaiter) {
  Interpreter interp;
  interp.SetSwitchInterval(1e-6);  // the shortest interval: still nobody to ask for a drop
  SharedObjects objects(2);
  {
    Worker a(interp, testing::CpuLoop(), objects.pointers(), 20000);
    a.Start();
    a.Join();
    EXPECT_EQ(a.error(), "");
  }
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 20000);
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kBreakerTrip)), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kWaitBegin)), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
}

}  // namespace
}  // namespace gil
