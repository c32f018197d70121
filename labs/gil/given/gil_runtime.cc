// The GIL's given half: the event log, the condition-variable wrappers, thread states
// (GIVEN).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "gil/gil.h"

namespace gil {
namespace {

// The id events are recorded under (BindThread), and the current thread state (Swap).
thread_local int tls_bound_id = 0;
thread_local ThreadState* tls_current = nullptr;

}  // namespace

const char* EventName(EventKind kind) {
  switch (kind) {
    case EventKind::kWaitBegin:
      return "wait-begin";
    case EventKind::kWaitTimedOut:
      return "wait-timed-out";
    case EventKind::kWaitWoken:
      return "wait-woken";
    case EventKind::kSignal:
      return "signal";
    case EventKind::kSwitchWaitBegin:
      return "switch-wait-begin";
    case EventKind::kSwitchWaitEnd:
      return "switch-wait-end";
    case EventKind::kSwitchSignal:
      return "switch-signal";
    case EventKind::kDropRequestStore:
      return "drop-request-store";
    case EventKind::kBreakerStore:
      return "breaker-store";
    case EventKind::kRun:
      return "run";
    case EventKind::kBreakerTrip:
      return "breaker-trip";
    case EventKind::kResume:
      return "resume";
    case EventKind::kBlockingBegin:
      return "blocking-begin";
    case EventKind::kBlockingEnd:
      return "blocking-end";
    case EventKind::kCount:
      break;
  }
  return "?";
}

EventLog::EventLog(std::size_t capacity)
    : capacity_(capacity), slots_(std::make_unique<Event[]>(capacity)) {}

void EventLog::Record(EventKind kind, std::uint64_t arg) {
  counts_[static_cast<int>(kind)].fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t seq = next_.fetch_add(1, std::memory_order_relaxed);
  if (seq < capacity_) {
    slots_[seq] = Event{seq, kind, tls_bound_id, arg};  // this slot is ours alone
  }
}

std::vector<Event> EventLog::Events() const {
  std::uint64_t n = next_.load(std::memory_order_relaxed);
  if (n > capacity_) {
    n = capacity_;
  }
  return std::vector<Event>(slots_.get(), slots_.get() + n);
}

void BindThread(const ThreadState* tstate) { tls_bound_id = tstate != nullptr ? tstate->id : 0; }

bool GilRuntimeState::TimedWait(std::unique_lock<std::mutex>& lock, unsigned long microseconds) {
  log_.Record(EventKind::kWaitBegin, microseconds);
  waiters_.fetch_add(1, std::memory_order_relaxed);
  const bool timed_out =
      cond_.wait_for(lock, std::chrono::microseconds(microseconds)) == std::cv_status::timeout;
  waiters_.fetch_sub(1, std::memory_order_relaxed);
  log_.Record(timed_out ? EventKind::kWaitTimedOut : EventKind::kWaitWoken);
  if (!timed_out) {
    const unsigned long delay = test_wakeup_delay_micros.load(std::memory_order_relaxed);
    if (delay > 0) {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::microseconds(delay));
      lock.lock();
    }
  }
  return timed_out;
}

void GilRuntimeState::Signal() {
  log_.Record(EventKind::kSignal);
  cond_.notify_one();
}

void GilRuntimeState::SwitchWait(std::unique_lock<std::mutex>& lock) {
  log_.Record(EventKind::kSwitchWaitBegin);
  switch_cond_.wait(lock);
  log_.Record(EventKind::kSwitchWaitEnd);
}

void GilRuntimeState::SwitchSignal() {
  log_.Record(EventKind::kSwitchSignal);
  switch_cond_.notify_all();
}

Interpreter::Interpreter() = default;
Interpreter::~Interpreter() = default;

ThreadState* Interpreter::NewThreadState() {
  std::lock_guard<std::mutex> guard(threads_mutex_);
  threads_.push_back(std::make_unique<ThreadState>(this, static_cast<int>(threads_.size()) + 1));
  return threads_.back().get();
}

ThreadState* Interpreter::Current() { return tls_current; }

ThreadState* Interpreter::Swap(ThreadState* tstate) { return std::exchange(tls_current, tstate); }

std::thread StartThread(ThreadState* tstate, std::function<void()> body) {
  return std::thread([tstate, body = std::move(body)] {
    BindThread(tstate);
    body();
  });
}

}  // namespace gil
