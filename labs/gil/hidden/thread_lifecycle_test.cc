// Hidden tests: threads start and exit (rule 8) beside running threads, without deadlock and
// without leaving the GIL or a drop request behind.
#include <gtest/gtest.h>

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

TEST(ThreadLifecycle, ShortThreadsComeAndGoBesideACpuBoundThread) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  SharedObjects short_objects(2);
  Worker cpu(interp, testing::CpuLoop(), objects.pointers(), -1);
  cpu.Start();
  ASSERT_TRUE(
      testing::WaitUntil([&] { return cpu.attached() || cpu.done(); }, testing::kProgressLimit));
  bool batches_finished = true;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::unique_ptr<Worker>> batch;
    for (int i = 0; i < 3; ++i) {
      batch.push_back(
          std::make_unique<Worker>(interp, testing::CpuLoop(), short_objects.pointers(), 200));
      batch.back()->Start();
    }
    const bool finished = testing::WaitUntil(
        [&] {
          for (auto& w : batch) {
            if (!w->done()) {
              return false;
            }
          }
          return true;
        },
        testing::kProgressLimit);
    if (!finished) {
      cpu.Stop();  // they cannot get in beside it: stop it so that they can finish at all
    }
    batches_finished = batches_finished && finished;
    for (auto& w : batch) {
      w->Join();
      EXPECT_EQ(w->error(), "");
    }
  }
  EXPECT_TRUE(LABKIT_OBSERVE(batches_finished))
      << "short threads did not get through beside a CPU-bound thread";
  const bool cpu_still_running = !cpu.done();
  cpu.Stop();
  cpu.Join();
  EXPECT_EQ(cpu.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(cpu_still_running));
  EXPECT_EQ(LABKIT_OBSERVE(short_objects[0].value), 4 * 3 * 200);
  EXPECT_EQ(LABKIT_OBSERVE(short_objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(short_objects[1].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(interp.Overlaps()), 0u);
  // Everyone has left: the GIL is free and no request is pending.
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
}

// Threads that start while the GIL is busy and exit right away, one after the other.
TEST(ThreadLifecycle, SequentialThreadsHandTheGilOn) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  for (int i = 0; i < 20; ++i) {
    Worker w(interp, testing::CpuLoop(), objects.pointers(), 50);
    w.Start();
    w.Join();
    EXPECT_EQ(w.error(), "");
  }
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 20 * 50);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 20u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
}

// The main thread exits (detaches) while the other thread waits with a request pending: the
// waiter gets the GIL; nothing waits for anything that will never happen.
TEST(ThreadLifecycle, ExitWithARequestPending) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  ThreadState* main_ts = interp.NewThreadState();
  BindThread(main_ts);
  interp.AttachThread(main_ts);
  std::vector<std::unique_ptr<Worker>> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.push_back(
        std::make_unique<Worker>(interp, testing::CpuLoop(), objects.pointers(), 100));
    waiters.back()->Start();
  }
  ASSERT_TRUE(LABKIT_OBSERVE(testing::WaitUntil(
      [&] { return interp.gil_drop_request.Load() == 1 && interp.gil.Waiters() == 2; },
      testing::kProgressLimit)));
  // Long waits from now on, so that the two waiters take over exactly once each (a time-out
  // while the other runs its 100 iterations would add switches).
  interp.SetSwitchInterval(10.0);
  interp.DetachThread(main_ts);
  for (auto& w : waiters) {
    w->Join();
    EXPECT_EQ(w->error(), "");
  }
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 200);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
  EXPECT_EQ(LABKIT_OBSERVE(interp.eval_breaker.Load()), 0);
  // The main thread came and went once; the two waiters took over in turn.
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 3u);
}

}  // namespace
}  // namespace gil
