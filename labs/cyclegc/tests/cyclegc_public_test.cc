// Public tests for lab 4 (cyclegc). Run them with `./labkit public cyclegc DIR` or
// `bazel test //labs/cyclegc:public_test --config=sanitize`.
#include <gtest/gtest.h>

#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "fixture.h"
#include "graphs.h"
#include "refcount/objects.h"

namespace cyclegc {
namespace {

using testing::CollectorTest;

class PublicTracking : public CollectorTest {};
class PublicCollect : public CollectorTest {};

TEST_F(PublicTracking, NewListIsTrackedInGenerationZero) {
  Object* list = refcount::ListNew(0);
  EXPECT_TRUE(IsTracked(list));
  auto objects = GetObjects(0);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0], list);
  EXPECT_EQ(GetCount()[0], 1);
  refcount::Decref(list);
  EXPECT_TRUE(GetObjects(0).empty());
  EXPECT_EQ(GetCount()[0], 0);
}

TEST_F(PublicCollect, SelfLoopIsCollected) {
  Object* loop = testing::MakeSelfLoop();
  refcount::Decref(loop);
  EXPECT_EQ(LiveSinceSetUp(), 1);
  EXPECT_EQ(Collect(), 1);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

TEST_F(PublicCollect, ReachableRingSurvives) {
  Object* ring = testing::MakeRing(10);
  EXPECT_EQ(Collect(), 0);
  EXPECT_EQ(LiveSinceSetUp(), 10);
  refcount::Decref(ring);
  EXPECT_EQ(Collect(), 10);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

TEST_F(PublicCollect, MillionRing) {
  Object* ring = testing::MakeRing(1000000);
  refcount::Decref(ring);
  EXPECT_EQ(Collect(), 1000000);
  EXPECT_EQ(LiveSinceSetUp(), 0);
}

}  // namespace
}  // namespace cyclegc
