// Hidden tests: mutual exclusion. Threads run bytecode on shared objects; with a correct GIL
// no two of them ever run at once. Three independent witnesses: ThreadSanitizer (the objects'
// `value` fields are plain: concurrent access is a data race and fails the test), the loop's
// overlap detector, and the exact final counts (refcounts lose updates when threads overlap).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
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

void CpuThreadsShareObjects(int threads, std::int64_t iterations, double interval) {
  Interpreter interp;
  interp.SetSwitchInterval(interval);
  SharedObjects objects(2);
  {
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < threads; ++i) {
      workers.push_back(
          std::make_unique<Worker>(interp, testing::CpuLoop(), objects.pointers(), iterations));
    }
    for (auto& w : workers) {
      w->Start();
    }
    for (auto& w : workers) {
      w->Join();
      EXPECT_EQ(w->error(), "");
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].value), threads * iterations);
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(objects[1].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(interp.Overlaps()), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
}

TEST(MutualExclusion, TwoCpuBoundThreads) { CpuThreadsShareObjects(2, 30000, 0.0001); }

TEST(MutualExclusion, ThreeCpuBoundThreadsShortInterval) { CpuThreadsShareObjects(3, 20000, 1e-6); }

TEST(MutualExclusion, CpuAndIoThreads) {
  Interpreter interp;
  interp.SetSwitchInterval(0.0005);
  SharedObjects objects(2);
  {
    Worker cpu1(interp, testing::CpuLoop(), objects.pointers(), -1);
    Worker cpu2(interp, testing::CpuLoop(), objects.pointers(), -1);
    Worker io(interp, testing::IoLoop(), objects.pointers(), 30);
    io.SetBlockingCall([] { std::this_thread::sleep_for(50us); });
    cpu1.Start();
    cpu2.Start();
    io.Start();
    io.Join();
    cpu1.Stop();
    cpu2.Stop();
    cpu1.Join();
    cpu2.Join();
    EXPECT_EQ(io.error(), "");
    EXPECT_EQ(cpu1.error(), "");
    EXPECT_EQ(cpu2.error(), "");
  }
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(objects[1].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(interp.Overlaps()), 0u);
}

}  // namespace
}  // namespace gil
