// A per-test watchdog for the gil tests (linked into the public and hidden test binaries).
//
// A test whose main thread deadlocks (say, in a SaveThread that waits for a switch nobody
// will make) cannot notice by itself. The watchdog arms a timer as each test starts and
// disarms it as the test ends; if the timer runs out, it says which test is stuck and ends
// the process, so a deadlock costs seconds, not the grader's whole wall-clock limit.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "labs/gil/tests/workloads.h"

namespace gil::testing {
namespace {

// The timer: a thread that sleeps until the armed deadline and then ends the process. It is
// never destroyed (the thread waits on its condition variable until the process exits, and
// destroying a condition variable with a waiter would block forever).
class Timer {
 public:
  Timer() {
    std::thread([this] { Run(); }).detach();
  }

  void Arm(std::string name) {
    std::lock_guard<std::mutex> guard(mutex_);
    name_ = std::move(name);
    deadline_ = std::chrono::steady_clock::now() + kWatchdogLimit;
    armed_ = true;
    cond_.notify_all();
  }
  void Disarm() {
    std::lock_guard<std::mutex> guard(mutex_);
    armed_ = false;
    cond_.notify_all();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (!armed_) {
        cond_.wait(lock);
      } else if (cond_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ &&
                 std::chrono::steady_clock::now() >= deadline_) {
        FailHard(name_ + " still running after " + std::to_string(kWatchdogLimit.count()) +
                 " ms: a deadlock? (a thread waiting for a GIL nobody will release, or for a "
                 "switch that never comes)");
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable cond_;
  bool armed_ = false;
  std::string name_;
  std::chrono::steady_clock::time_point deadline_;
};

// Arms the timer when a test starts, disarms it when the test ends. (GoogleTest owns and
// deletes its listeners at exit; the timer is not the listener's to delete.)
class Watchdog : public ::testing::EmptyTestEventListener {
 public:
  explicit Watchdog(Timer* timer) : timer_(timer) {}
  void OnTestStart(const ::testing::TestInfo& info) override {
    timer_->Arm(std::string(info.test_suite_name()) + "." + info.name());
  }
  void OnTestEnd(const ::testing::TestInfo&) override { timer_->Disarm(); }

 private:
  Timer* timer_;
};

const bool watchdog_installed = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new Watchdog(new Timer));
  return true;
}();

}  // namespace

}  // namespace gil::testing
