// Public tests for the pymalloc lab: the basics. The hidden tests go much further (every
// class boundary, pool state transitions, arena ordering and release, both ownership
// checks, realloc's in-place rule, the stats, more traces) and a performance suite replays
// traces against the reference. Passing these is the start, not the end.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "labkit/observe.h"
#include "labs/pymalloc/tests/traces.h"
#include "pymalloc/obmalloc.h"
#include "pymalloc/walkers.h"

namespace pymalloc {
namespace {

std::uintptr_t Address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST(PublicSizeClasses, SmallRequestsComeFromPools) {
  Allocator a;
  void* p = a.Malloc(10);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Address(p) % kAlignment, 0u);
  EXPECT_TRUE(a.os().InLiveArena(p, 10));
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->szidx), 0u);  // 10 bytes -> class 0 (16 bytes)
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->ref.count), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
  a.Free(p);
}

TEST(PublicSizeClasses, ClassOfEachSize) {
  Allocator a;
  for (std::size_t n : {1, 16, 17, 32, 100, 256, 511, 512}) {
    void* p = a.Malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(Address(p) % kAlignment, 0u) << n;
    EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->szidx), (n - 1) / 16) << n;
    a.Free(p);
  }
}

TEST(PublicSizeClasses, ZeroAndLargeGoToTheRawAllocator) {
  Allocator a;
  void* zero = a.Malloc(0);
  void* big = a.Malloc(513);
  ASSERT_NE(zero, nullptr);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(Address(big) % kAlignment, 0u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 2u);
  EXPECT_EQ(LABKIT_OBSERVE(a.raw_allocated_blocks), 2u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 0u);
  EXPECT_FALSE(a.AddressInRange(big));
  a.Free(zero);
  a.Free(big);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(a.raw_allocated_blocks), 0u);
}

TEST(PublicPools, BlocksAreConsecutiveInOnePool) {
  Allocator a;
  void* p0 = a.Malloc(32);
  void* p1 = a.Malloc(32);
  void* p2 = a.Malloc(30);
  PoolHeader* pool = a.PoolOf(p0);
  EXPECT_EQ(Address(p0), Address(pool) + kPoolOverhead);
  EXPECT_EQ(Address(p1), Address(p0) + 32);
  EXPECT_EQ(Address(p2), Address(p1) + 32);
  EXPECT_EQ(LABKIT_OBSERVE(pool->ref.count), 3u);
  std::vector<const PoolHeader*> used = UsedPools(a, 1);
  ASSERT_EQ(LABKIT_OBSERVE(used.size()), 1u);
  EXPECT_EQ(used[0], pool);
  a.Free(p0);
  a.Free(p1);
  a.Free(p2);
}

TEST(PublicPools, FreedBlockIsReusedFirst) {
  Allocator a;
  void* p0 = a.Malloc(48);
  void* p1 = a.Malloc(48);
  a.Free(p0);
  EXPECT_EQ(a.PoolOf(p1)->freeblock, p0);
  void* again = a.Malloc(40);
  EXPECT_EQ(again, p0);  // LIFO free list
  a.Free(again);
  a.Free(p1);
}

TEST(PublicPools, PayloadIsKept) {
  Allocator a;
  std::vector<unsigned char*> blocks;
  for (int i = 0; i < 300; ++i) {
    auto* p = static_cast<unsigned char*>(a.Malloc(1 + i % 512));
    ASSERT_NE(p, nullptr);
    std::memset(p, i & 0xff, 1 + i % 512);
    blocks.push_back(p);
  }
  for (int i = 0; i < 300; ++i) {
    for (int k = 0; k < 1 + i % 512; ++k) ASSERT_EQ(blocks[i][k], i & 0xff) << i;
    a.Free(blocks[i]);
  }
  EXPECT_LE(LABKIT_OBSERVE(a.os().live_arenas()), 1u);
}

TEST(PublicRealloc, GrowKeepsTheBytes) {
  Allocator a;
  auto* p = static_cast<char*>(a.Malloc(20));
  std::memcpy(p, "pymalloc realloc 20", 20);
  auto* q = static_cast<char*>(a.Realloc(p, 200));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(std::memcmp(q, "pymalloc realloc 20", 20), 0);
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(q)->szidx), 12u);
  a.Free(q);
}

TEST(PublicStats, CountsOneBlock) {
  Allocator a;
  void* p = a.Malloc(24);
  Stats s = a.GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[1].pools), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[1].blocks_in_use), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[1].blocks_available), (4096u - 48u) / 32u - 1u);
  EXPECT_EQ(LABKIT_OBSERVE(s.arenas_current), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(s.allocated_bytes), 32u);
  labkit::ObserveText("stats", FormatStats(s));
  a.Free(p);
}

class PublicTraces : public ::testing::TestWithParam<std::string> {};

// A real python3 trace, checked block by block (traces.h), in both geometries.
TEST_P(PublicTraces, Replay) {
  traces::Trace trace = traces::PublicTrace(GetParam());
  for (bool large : {false, true}) {
    SCOPED_TRACE(large ? "large geometry" : "small geometry");
    Allocator a(large ? Geometry::Large() : Geometry::Small());
    traces::ReplayResult r = traces::CheckedReplay(a, trace);
    EXPECT_EQ(r.error, "");
    LABKIT_OBSERVE(r.events);
  }
}

INSTANTIATE_TEST_SUITE_P(Python, PublicTraces, ::testing::ValuesIn(traces::PublicTraceNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pymalloc
