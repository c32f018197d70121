// Public tests for the gil lab: the basics. The hidden tests go much further (forced
// switching, fairness, bounded waits, an I/O thread beside CPU-bound ones, lost wake-ups,
// exact drop-request accounting, thread exit): passing these is the start, not the end.
//
// Everything runs under ThreadSanitizer: a data race anywhere fails the test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
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

TEST(PublicTakeDrop, AttachAndDetach) {
  Interpreter interp;
  ThreadState* ts = interp.NewThreadState();
  BindThread(ts);
  interp.AttachThread(ts);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 1);
  EXPECT_EQ(interp.gil.last_holder.load(), ts);
  EXPECT_EQ(Interpreter::Current(), ts);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 1u);
  interp.DetachThread(ts);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
  EXPECT_EQ(Interpreter::Current(), nullptr);
  // Nobody else was there: no waits, no drop requests.
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kWaitBegin)), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
}

TEST(PublicTakeDrop, HandOffToAWaitingThread) {
  Interpreter interp;
  SharedObjects objects(2);
  ThreadState* main_ts = interp.NewThreadState();
  BindThread(main_ts);
  interp.AttachThread(main_ts);

  Worker worker(interp, testing::CpuLoop(), objects.pointers(), 100);
  worker.Start();
  // The worker cannot have the GIL while we hold it: it waits.
  ASSERT_TRUE(testing::WaitUntil([&] { return interp.gil.Waiters() == 1 || worker.done(); },
                                 testing::kProgressLimit));
  EXPECT_FALSE(worker.attached());
  interp.DetachThread(main_ts);
  worker.Join();
  EXPECT_EQ(worker.error(), "");

  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 100);
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 2u);  // main, then the worker
  EXPECT_EQ(interp.gil.last_holder.load(), worker.tstate());
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
}

TEST(PublicSwitching, TwoCpuBoundThreadsTakeTurns) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  Worker a(interp, testing::CpuLoop(), objects.pointers(), -1);
  Worker b(interp, testing::CpuLoop(), objects.pointers(), -1);
  // Neither thread ever blocks: they can only take turns through drop requests.
  const bool switched = testing::RunUntilResumes(interp, {&a, &b}, 10);
  EXPECT_EQ(a.error(), "");
  EXPECT_EQ(b.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(switched));

  const std::vector<Event> events = interp.events().Events();
  EXPECT_GE(testing::DropRequestStores(events, 1), 1u) << "no drop request was ever made";
  EXPECT_GE(testing::CountOf(events, a.id(), EventKind::kRun), 1u);
  EXPECT_GE(testing::CountOf(events, b.id(), EventKind::kRun), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.Overlaps()), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(objects[1].ob_refcnt.load()), 1);
  // Every request was answered by the time both threads left.
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
}

TEST(PublicInterval, DefaultIsFiveMilliseconds) {
  Interpreter interp;
  EXPECT_EQ(LABKIT_OBSERVE(interp.GetSwitchInterval()), 0.005);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.interval.load()), kDefaultIntervalMicros);
}

TEST(PublicInterval, SetAndGet) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.interval.load()), 1000u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.GetSwitchInterval()), 0.001);
  EXPECT_THROW(interp.SetSwitchInterval(0.0), std::invalid_argument);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.interval.load()), 1000u);
}

// What the GIL is for. Two threads run Py_INCREF/Py_DECREF pairs on one object: without the
// GIL their load-add-store sequences interleave and updates get lost (the count ends wrong);
// with it, never. (The refcount is a relaxed atomic accessed as a separate load and store:
// the same lost updates as CPython's plain ob_refcnt++, without undefined behaviour, so
// ThreadSanitizer stays quiet here and the test counts the damage instead. See gil/eval.h.)
TEST(PublicRefcountRace, LostUpdatesWithoutTheGilNoneWithIt) {
  const Code code = testing::RefcountLoop();
  bool lost_without_gil = false;
  std::int64_t wrong_count = 1;
  // Each round is 2 x 200,000 increments and decrements; a round without a single lost
  // update is possible (the threads may not overlap at all on a loaded machine), twenty in a
  // row are not.
  for (int round = 0; round < 20 && !lost_without_gil; ++round) {
    SharedObjects objects(1);
    std::thread t1([&] { EvalWithoutGil(code, objects.pointers(), 100000); });
    std::thread t2([&] { EvalWithoutGil(code, objects.pointers(), 100000); });
    t1.join();
    t2.join();
    wrong_count = objects[0].ob_refcnt.load();
    lost_without_gil = wrong_count != 1;
  }
  EXPECT_TRUE(LABKIT_OBSERVE(lost_without_gil)) << "refcount stayed right without the GIL";

  Interpreter interp;
  interp.SetSwitchInterval(0.0002);
  SharedObjects objects(1);
  {
    Worker a(interp, code, objects.pointers(), 100000);
    Worker b(interp, code, objects.pointers(), 100000);
    a.Start();
    b.Start();
    a.Join();
    b.Join();
    EXPECT_EQ(a.error(), "");
    EXPECT_EQ(b.error(), "");
  }
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].ob_refcnt.load()), 1) << "lost updates WITH the GIL";
  EXPECT_EQ(LABKIT_OBSERVE(interp.Overlaps()), 0u);
}

}  // namespace
}  // namespace gil
