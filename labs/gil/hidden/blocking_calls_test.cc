// Hidden tests: releasing the GIL around blocking calls (rule 7) and waking the waiter when it
// is released (rule 3). A release must wake a waiting thread at once: a waiter must never have
// to sit out its whole interval to notice that the GIL is free (a lost wake-up).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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

// The waiter's interval is 2 s: if the release does not wake it, its wait times out.
TEST(BlockingCalls, ReleaseWakesTheWaiter) {
  Interpreter interp;
  interp.SetSwitchInterval(2.0);
  SharedObjects objects(2);
  ThreadState* main_ts = interp.NewThreadState();
  BindThread(main_ts);
  interp.AttachThread(main_ts);
  Worker worker(interp, testing::CpuLoop(), objects.pointers(), 10);
  worker.Start();
  ASSERT_TRUE(testing::WaitUntil([&] { return interp.gil.Waiters() == 1 || worker.done(); },
                                 testing::kProgressLimit));
  {
    AllowThreads allow(interp);  // a blocking call: join the worker without the GIL
    worker.Join();
  }
  EXPECT_EQ(worker.error(), "");
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 10);
  const std::vector<Event> events = interp.events().Events();
  EXPECT_EQ(LABKIT_OBSERVE(testing::CountOf(events, worker.id(), EventKind::kWaitTimedOut)), 0u)
      << testing::Describe(events);
  EXPECT_GE(testing::CountOf(events, worker.id(), EventKind::kWaitWoken), 1u);
  interp.DetachThread(main_ts);
}

// Same with a thread exit as the release.
TEST(BlockingCalls, ExitWakesTheWaiter) {
  Interpreter interp;
  interp.SetSwitchInterval(2.0);
  SharedObjects objects(2);
  ThreadState* main_ts = interp.NewThreadState();
  BindThread(main_ts);
  interp.AttachThread(main_ts);
  Worker worker(interp, testing::CpuLoop(), objects.pointers(), 10);
  worker.Start();
  ASSERT_TRUE(testing::WaitUntil([&] { return interp.gil.Waiters() == 1 || worker.done(); },
                                 testing::kProgressLimit));
  interp.DetachThread(main_ts);
  worker.Join();
  EXPECT_EQ(worker.error(), "");
  const std::vector<Event> events = interp.events().Events();
  EXPECT_EQ(LABKIT_OBSERVE(testing::CountOf(events, worker.id(), EventKind::kWaitTimedOut)), 0u)
      << testing::Describe(events);
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 10);
}

// While one thread is in a blocking call, another runs bytecode: the blocking call here only
// returns once the other thread has finished its work.
TEST(BlockingCalls, OthersRunDuringABlockingCall) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  SharedObjects io_objects(1);
  Worker cpu(interp, testing::CpuLoop(), objects.pointers(), 1000);
  Worker io(interp, testing::IoLoop(), io_objects.pointers(), 1);
  std::atomic<bool> other_ran{false};
  io.SetBlockingCall([&] {
    cpu.Start();
    other_ran = testing::WaitUntil([&] { return cpu.done(); }, testing::kProgressLimit);
  });
  io.Start();
  io.Join();
  cpu.Join();
  EXPECT_EQ(io.error(), "");
  EXPECT_EQ(cpu.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(other_ran.load()))
      << "the other thread could not run during the blocking call";
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), 1000);
  EXPECT_EQ(LABKIT_OBSERVE(io_objects[0].value), 1);
}

TEST(BlockingCalls, ManySaveRestorePairs) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  BindThread(a);
  interp.AttachThread(a);
  for (int i = 0; i < 1000; ++i) {
    ThreadState* saved = interp.SaveThread();
    ASSERT_EQ(saved, a);
    ASSERT_EQ(Interpreter::Current(), nullptr);
    interp.RestoreThread(saved);
    ASSERT_EQ(Interpreter::Current(), a);
  }
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 1u);
  interp.DetachThread(a);
}

}  // namespace
}  // namespace gil
