// Hidden tests: the lock's state (gil/gil.h rules 1, 3, 7, 8) on one thread, where every value
// is exact: locked, last_holder, switch_number, the current thread state, and the errors.
#include <gtest/gtest.h>

#include <stdexcept>

#include "gil/gil.h"
#include "labkit/observe.h"
#include "labs/gil/tests/workloads.h"

namespace gil {
namespace {

TEST(LockState, SwitchNumberCountsChangesOfHolder) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  ThreadState* b = interp.NewThreadState();
  BindThread(a);
  for (int i = 0; i < 3; ++i) {  // the same holder again and again: one switch only
    interp.AttachThread(a);
    interp.DetachThread(a);
  }
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 1u);
  interp.AttachThread(b);  // another thread state (on the same OS thread: it does not matter)
  interp.DetachThread(b);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 2u);
  interp.AttachThread(a);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 3u);
  ThreadState* saved = interp.SaveThread();
  interp.RestoreThread(saved);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 3u);
  interp.DetachThread(a);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 3u);
}

TEST(LockState, LastHolderOutlivesTheRelease) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  BindThread(a);
  EXPECT_EQ(interp.gil.last_holder.load(), nullptr);
  interp.AttachThread(a);
  EXPECT_EQ(interp.gil.last_holder.load(), a);
  interp.DetachThread(a);
  // Released, but still "the last holder" (drop_gil(NULL) leaves it).
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
  EXPECT_EQ(interp.gil.last_holder.load(), a);
  EXPECT_TRUE(LABKIT_OBSERVE(interp.gil.last_holder.load() == a));
}

TEST(LockState, SaveAndRestoreThread) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  BindThread(a);
  interp.AttachThread(a);
  ThreadState* saved = interp.SaveThread();
  EXPECT_EQ(saved, a);
  EXPECT_EQ(Interpreter::Current(), nullptr);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
  EXPECT_EQ(interp.gil.last_holder.load(), a);
  interp.RestoreThread(saved);
  EXPECT_EQ(Interpreter::Current(), a);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 1);
  // Nobody waited, nobody asked: no waits, no forced switch, no request.
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kWaitBegin)), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kSwitchWaitBegin)), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil_drop_request.Load()), 0);
  interp.DetachThread(a);
}

TEST(LockState, EveryReleaseWakesAWaiter) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  BindThread(a);
  interp.AttachThread(a);
  ThreadState* saved = interp.SaveThread();
  interp.RestoreThread(saved);
  interp.DetachThread(a);
  // Two releases (SaveThread, DetachThread), each signalling the condition once.
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kSignal)), 2u);
}

TEST(LockState, DroppingAnUnlockedGilThrows) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  BindThread(a);
  interp.AttachThread(a);
  interp.DetachThread(a);
  EXPECT_THROW(interp.DropGil(a), std::logic_error);
  EXPECT_THROW(interp.DropGil(nullptr), std::logic_error);
  // Refused: nothing changed, nobody was woken.
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
  EXPECT_EQ(interp.gil.last_holder.load(), a);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.switch_number), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(interp.events().Count(EventKind::kSignal)), 1u);
}

TEST(LockState, AttachRulesAreChecked) {
  Interpreter interp;
  ThreadState* a = interp.NewThreadState();
  ThreadState* b = interp.NewThreadState();
  BindThread(a);
  EXPECT_THROW(interp.SaveThread(), std::logic_error);  // not attached
  interp.AttachThread(a);
  EXPECT_THROW(interp.AttachThread(a), std::logic_error);  // already attached
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 1);
  EXPECT_THROW(interp.DetachThread(b), std::logic_error);  // b is not current
  bool threw = false;
  try {
    interp.DetachThread(b);
  } catch (const std::logic_error&) {
    threw = true;
  }
  EXPECT_TRUE(LABKIT_OBSERVE(threw));
  // A refused detach releases nothing.
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 1);
  Interpreter::Swap(a);  // (the refused DetachThread may have detached us: put a back)
  interp.DetachThread(a);
  EXPECT_EQ(LABKIT_OBSERVE(interp.gil.locked.load()), 0);
}

}  // namespace
}  // namespace gil
