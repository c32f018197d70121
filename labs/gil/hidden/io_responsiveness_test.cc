// Hidden tests: an I/O-bound thread beside CPU-bound ones. The I/O thread releases the GIL
// around each blocking call and needs it back afterwards; the CPU-bound threads never let go
// on their own, so each time it must be asked for (the convoy effect: about one interval per
// blocking call). Bounds are loose: the I/O thread must finish while the CPU threads are
// still running, within seconds for what takes a correct GIL some tens of milliseconds.
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

void IoBesideCpu(int cpu_threads, int rounds) {
  Interpreter interp;
  interp.SetSwitchInterval(0.001);
  SharedObjects objects(2);
  SharedObjects io_objects(1);
  std::vector<std::unique_ptr<Worker>> cpu;
  for (int i = 0; i < cpu_threads; ++i) {
    cpu.push_back(std::make_unique<Worker>(interp, testing::CpuLoop(), objects.pointers(), -1));
    cpu.back()->Start();
  }
  ASSERT_TRUE(testing::WaitUntil([&] { return cpu[0]->attached() || cpu[0]->done(); },
                                 testing::kProgressLimit));

  Worker io(interp, testing::IoLoop(), io_objects.pointers(), rounds);
  io.SetBlockingCall([] { std::this_thread::sleep_for(100us); });
  io.Start();
  const bool finished = testing::WaitUntil([&] { return io.done(); }, testing::kProgressLimit);
  bool cpu_still_running = true;
  for (auto& w : cpu) {
    cpu_still_running = cpu_still_running && !w->done();
    w->Stop();
  }
  io.Join();
  for (auto& w : cpu) {
    w->Join();
    EXPECT_EQ(w->error(), "");
  }
  EXPECT_EQ(io.error(), "");
  EXPECT_TRUE(LABKIT_OBSERVE(finished)) << "the I/O thread did not get through " << rounds
                                        << " blocking calls within the progress limit";
  EXPECT_TRUE(LABKIT_OBSERVE(cpu_still_running));
  EXPECT_EQ(LABKIT_OBSERVE(io_objects[0].value), rounds);
  EXPECT_EQ(LABKIT_OBSERVE(io_objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(objects[0].ob_refcnt.load()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(interp.Overlaps()), 0u);

  const std::vector<Event> events = interp.events().Events();
  EXPECT_EQ(LABKIT_OBSERVE(testing::CountOf(events, io.id(), EventKind::kBlockingEnd)),
            static_cast<std::uint64_t>(rounds));
  // The I/O thread asked for the GIL back: it had to, the CPU threads never block.
  EXPECT_GE(testing::DropRequestStores(events, 1), 1u);
}

TEST(IoResponsiveness, IoThreadBesideOneCpuBoundThread) { IoBesideCpu(1, 20); }

TEST(IoResponsiveness, IoThreadBesideTwoCpuBoundThreads) { IoBesideCpu(2, 20); }

}  // namespace
}  // namespace gil
