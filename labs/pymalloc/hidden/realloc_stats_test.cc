// Hidden tests: realloc (rule 9) and the stats (rule 10).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "labkit/observe.h"
#include "pymalloc/obmalloc.h"
#include "pymalloc/walkers.h"

namespace pymalloc {
namespace {

void FillBytes(void* p, std::size_t n, unsigned char seed) {
  auto* b = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(seed + i * 3);
}

bool SameBytes(const void* p, std::size_t n, unsigned char seed) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (b[i] != static_cast<unsigned char>(seed + i * 3)) return false;
  }
  return true;
}

TEST(Realloc, InPlaceWithinThreeQuartersOfTheClass) {
  Allocator a;
  for (unsigned c = 1; c < kNumSizeClasses; ++c) {
    std::size_t size = ClassSize(c);
    void* p = a.Malloc(size);
    FillBytes(p, size, 7);
    // Growing within the class, or shrinking to more than 3/4 of it: in place.
    std::size_t smallest_in_place = size * 3 / 4 + 1;
    EXPECT_EQ(a.Realloc(p, size), p) << "class " << c;
    EXPECT_EQ(a.Realloc(p, smallest_in_place), p) << "class " << c;
    // To 3/4 exactly (or less): moved to a smaller class, bytes kept.
    void* q = a.Realloc(p, size * 3 / 4);
    EXPECT_NE(q, p) << "class " << c;
    EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(q)->szidx), (size * 3 / 4 - 1) / 16) << "class " << c;
    EXPECT_TRUE(SameBytes(q, size * 3 / 4, 7)) << "class " << c;
    a.Free(q);
  }
}

TEST(Realloc, GrowingMovesAndKeepsTheBytes) {
  Allocator a;
  void* p = a.Malloc(33);  // 48-byte block
  FillBytes(p, 33, 1);
  EXPECT_EQ(a.Realloc(p, 48), p);
  FillBytes(p, 48, 2);
  void* q = a.Realloc(p, 49);
  ASSERT_NE(q, p);
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(q)->szidx), 3u);
  EXPECT_TRUE(SameBytes(q, 48, 2));
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->ref.count), 0u) << "the old block is freed";
  void* r = a.Realloc(q, 5000);  // to the raw allocator
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(a.os().InLiveArena(r, 1));
  EXPECT_TRUE(SameBytes(r, 48, 2));
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.raw_allocated_blocks), 1u);
  a.Free(r);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
}

TEST(Realloc, RawBlocksStayRaw) {
  Allocator a;
  void* p = a.Malloc(2000);
  FillBytes(p, 2000, 9);
  void* q = a.Realloc(p, 100);  // CPython never takes a raw block over
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(a.os().InLiveArena(q, 1));
  EXPECT_TRUE(SameBytes(q, 100, 9));
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 0u);
  void* r = a.Realloc(q, 9000);
  EXPECT_TRUE(SameBytes(r, 100, 9));
  a.Free(r);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(a.raw_allocated_blocks), 0u);
}

TEST(Realloc, NullAndZero) {
  Allocator a;
  void* p = a.Realloc(nullptr, 40);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(a.os().InLiveArena(p, 40));
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->szidx), 2u);
  void* q = a.Realloc(p, 0);  // not a free: a (raw) block of 0 bytes
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(a.os().InLiveArena(q, 1));
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->ref.count), 0u);
  a.Free(q);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
}

TEST(Realloc, ChainsAcrossEveryClass) {
  Allocator a(Geometry::Large());
  std::vector<void*> blocks;
  for (int i = 0; i < 64; ++i) {
    void* p = a.Malloc(1);
    FillBytes(p, 1, static_cast<unsigned char>(i));
    std::size_t size = 1;
    for (std::size_t next = 2; next <= 700; next += 1 + (i % 9)) {
      p = a.Realloc(p, next);
      ASSERT_NE(p, nullptr);
      ASSERT_TRUE(SameBytes(p, size, static_cast<unsigned char>(i))) << i << " to " << next;
      FillBytes(p, next, static_cast<unsigned char>(i));
      size = next;
    }
    for (std::size_t next = size; next >= 1; next = next * 2 / 3) {
      p = a.Realloc(p, next);
      ASSERT_TRUE(SameBytes(p, next, static_cast<unsigned char>(i))) << i << " down to " << next;
      if (next == 1) break;
    }
    blocks.push_back(p);
  }
  for (void* p : blocks) a.Free(p);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
}

// The byte totals add up to the arenas' memory, whatever the state (rule 10).
void ExpectTotalsAddUp(const Allocator& a, const Stats& s) {
  std::size_t total = s.allocated_bytes + s.available_bytes + s.unused_pools * s.pool_size +
                      s.pool_header_bytes + s.quantization_bytes + s.arena_alignment_bytes;
  EXPECT_EQ(total, s.arenas_current * a.geometry().arena_size);
  EXPECT_EQ(s.arenas_current * a.geometry().arena_size, a.os().arena_bytes());
}

TEST(Stats, ExactCountsPerClass) {
  Allocator a;
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(a.Malloc(16));  // class 0: 253 per pool
  for (int i = 0; i < 50; ++i) blocks.push_back(a.Malloc(500));   // class 31: 7 per pool
  for (int i = 0; i < 3; ++i) blocks.push_back(a.Malloc(100));    // class 6: 36 per pool
  Stats s = a.GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(s.pool_size), 4096u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[0].pools), 4u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[0].blocks_in_use), 1000u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[0].blocks_available), 4u * 253u - 1000u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[31].pools), 8u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[31].blocks_available), 6u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[6].pools), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[6].blocks_available), 33u);
  EXPECT_EQ(LABKIT_OBSERVE(s.classes[5].pools), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(s.allocated_bytes), 1000u * 16 + 50u * 512 + 3u * 112);
  EXPECT_EQ(LABKIT_OBSERVE(s.unused_pools), 64u - 13u);
  EXPECT_EQ(LABKIT_OBSERVE(s.pool_header_bytes), 13u * 48u);
  EXPECT_EQ(LABKIT_OBSERVE(s.quantization_bytes),
            4u * (4048u % 16u) + 8u * (4048u % 512u) + 1u * (4048u % 112u));
  EXPECT_EQ(LABKIT_OBSERVE(s.arena_alignment_bytes), 0u);
  ExpectTotalsAddUp(a, s);
  labkit::ObserveText("stats", FormatStats(s));
  for (void* p : blocks) a.Free(p);
  s = a.GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(s.allocated_bytes), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(s.unused_pools), 64u);
  ExpectTotalsAddUp(a, s);
}

TEST(Stats, ArenaCounters) {
  Allocator a;
  std::vector<void*> blocks;
  for (int i = 0; i < 64 * 7 * 3 + 1; ++i) blocks.push_back(a.Malloc(512));  // 4 arenas
  for (void* p : blocks) a.Free(p);
  blocks.clear();
  for (int i = 0; i < 64 * 7 + 1; ++i) blocks.push_back(a.Malloc(512));  // 2 arenas
  Stats s = a.GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(s.arenas_allocated_total), 5u);
  EXPECT_EQ(LABKIT_OBSERVE(s.arenas_current), 2u);
  EXPECT_EQ(LABKIT_OBSERVE(s.arenas_reclaimed), 3u);
  EXPECT_EQ(LABKIT_OBSERVE(s.arenas_highwater), 4u);
  ExpectTotalsAddUp(a, s);
  labkit::ObserveText("stats", FormatStats(s));
  for (void* p : blocks) a.Free(p);
}

TEST(Stats, UnalignedArenasAndRawBlocks) {
  OsLayer os;
  os.SetArenaOffset(4096);
  Allocator a(Geometry::Large(), &os);
  std::vector<void*> blocks;
  for (int i = 0; i < 5000; ++i) blocks.push_back(a.Malloc(1 + (i * 53) % 700));
  for (int i = 0; i < 5000; i += 3) {
    a.Free(blocks[i]);
    blocks[i] = nullptr;
  }
  Stats s = a.GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(s.arena_alignment_bytes), s.arenas_current * 16384u);
  EXPECT_EQ(LABKIT_OBSERVE(s.raw_allocated_blocks), a.os().raw_live_blocks());
  std::size_t in_use = 0, pools = 0;
  for (const ClassStats& k : s.classes) {
    in_use += k.blocks_in_use;
    pools += k.pools;
  }
  std::size_t raw = 0;
  for (void* p : blocks) {
    if (p != nullptr && !a.os().InLiveArena(p, 1)) ++raw;
  }
  EXPECT_EQ(LABKIT_OBSERVE(s.raw_allocated_blocks), raw);
  EXPECT_EQ(LABKIT_OBSERVE(in_use + raw), 5000u - 1667u);
  LABKIT_OBSERVE(pools);
  ExpectTotalsAddUp(a, s);
  for (void* p : blocks) a.Free(p);
  EXPECT_EQ(LABKIT_OBSERVE(a.GetStats().raw_allocated_blocks), 0u);
}

TEST(Stats, EmptyAllocator) {
  Allocator a(Geometry::Large());
  Stats s = a.GetStats();
  EXPECT_EQ(LABKIT_OBSERVE(s.arenas_current), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(s.arena_size), 1u << 20);
  EXPECT_EQ(LABKIT_OBSERVE(s.unused_pools), 0u);
  ExpectTotalsAddUp(a, s);
  labkit::ObserveText("stats", FormatStats(s));
}

}  // namespace
}  // namespace pymalloc
