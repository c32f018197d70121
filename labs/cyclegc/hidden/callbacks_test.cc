// Hidden tests: gc.callbacks -- "start" and "stop" around every collection, manual or
// automatic, with the generation and the numbers Collect counts; order and removal.
#include <gtest/gtest.h>

#include <string>

#include "cyclegc/gc.h"
#include "labkit/observe.h"
#include "labs/cyclegc/tests/fixture.h"
#include "labs/cyclegc/tests/graphs.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace cyclegc {
namespace {

using refcount::Ref;
using testing::AddLoggingCallback;
using testing::CallbackLog;
using testing::CollectorTest;

class Callbacks : public CollectorTest {};

TEST_F(Callbacks, StartAndStopWithTheCounts) {
  AddLoggingCallback();
  refcount::Decref(testing::MakeRing(3));
  EXPECT_EQ(LABKIT_OBSERVE(Collect(1)), 3);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 1 0 0|stop 1 3 0|");
  CallbackLog().clear();
  EXPECT_EQ(LABKIT_OBSERVE(Collect(0)), 0);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 0 0 0|stop 0 0 0|");
}

TEST_F(Callbacks, InOrderAndRemovable) {
  const int first = AddLoggingCallback("A");
  AddLoggingCallback("B");
  refcount::Decref(testing::MakeSelfLoop());
  Collect(0);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()),
            "A:start 0 0 0|B:start 0 0 0|A:stop 0 1 0|B:stop 0 1 0|");
  CallbackLog().clear();
  RemoveCallback(first);
  Collect(2);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "B:start 2 0 0|B:stop 2 0 0|");
}

Py_ssize_t nested_result = -1;

TEST_F(Callbacks, CollectInsideACallbackReturnsZero) {
  nested_result = -1;
  AddCallback([](std::string_view phase, const CallbackInfo& /*info*/) {
    if (phase == "start") {
      nested_result = Collect();
    }
  });
  AddLoggingCallback();
  refcount::Decref(testing::MakeRing(2));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 2);
  EXPECT_EQ(LABKIT_OBSERVE(nested_result), 0);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 2 0 0|stop 2 2 0|");
  EXPECT_EQ(LABKIT_OBSERVE(GetStats()[2].collections), 1);
}

TEST_F(Callbacks, AutomaticCollectionsCallThemToo) {
  SetThreshold(2);
  AddLoggingCallback();
  refcount::Decref(testing::MakeSelfLoop());
  Ref a = Ref::Steal(refcount::ListNew(0));
  Ref b = Ref::Steal(refcount::ListNew(0));
  EXPECT_EQ(LABKIT_OBSERVE(RunPendingCollection()), 1);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 0 0 0|stop 0 1 0|");
}

TEST_F(Callbacks, UncollectableAndResurrectedInTheCounts) {
  AddLoggingCallback();
  Object* legacy = refcount::InstanceNew(1, testing::LegacyInstanceType());
  refcount::InstanceSetSlot(legacy, 0, legacy);
  refcount::Decref(legacy);
  Object* phoenix = refcount::InstanceNew(1);
  refcount::InstanceSetSlot(phoenix, 0, phoenix);
  refcount::Decref(phoenix);
  testing::SetResurrectingFinalizer(phoenix, "p");
  refcount::Decref(testing::MakeRing(2));
  EXPECT_EQ(LABKIT_OBSERVE(Collect()), 3);
  EXPECT_EQ(LABKIT_OBSERVE(CallbackLog()), "start 2 0 0|stop 2 2 1|");
  refcount::InstanceSetSlot(legacy, 0, nullptr);
  refcount::InstanceSetSlot(phoenix, 0, nullptr);
  ClearGarbage();
  testing::ReleaseResurrected();
  EXPECT_EQ(LABKIT_OBSERVE(LiveSinceSetUp()), 0);
}

}  // namespace
}  // namespace cyclegc
