// Hidden tests: size classes, a pool's layout, and pool state transitions
// (pymalloc/obmalloc.h rules 1-5), in both geometries.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "labkit/observe.h"
#include "pymalloc/obmalloc.h"
#include "pymalloc/walkers.h"

namespace pymalloc {
namespace {

std::uintptr_t Address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

Geometry GeometryNamed(const std::string& name) {
  return name == "small" ? Geometry::Small() : Geometry::Large();
}

TEST(SizeClasses, EverySmallSizeHasItsClass) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    std::vector<void*> blocks;
    for (std::size_t n = 1; n <= kSmallRequestThreshold; ++n) {
      void* p = a.Malloc(n);
      ASSERT_NE(p, nullptr) << n;
      ASSERT_EQ(Address(p) % kAlignment, 0u) << "size " << n;
      ASSERT_TRUE(a.os().InLiveArena(p, n)) << "size " << n;
      ASSERT_EQ(a.PoolOf(p)->szidx, (n - 1) >> 4) << "size " << n;
      blocks.push_back(p);
    }
    EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
    for (unsigned c = 0; c < kNumSizeClasses; ++c) {
      // 16 blocks of each class: a pool that they fill exactly is full, in no list.
      std::size_t expected = 16 % a.BlocksPerPool(c) == 0 ? 0 : 1;
      EXPECT_EQ(LABKIT_OBSERVE(UsedPools(a, c).size()), expected) << "class " << c;
    }
    for (void* p : blocks) a.Free(p);
  }
}

TEST(SizeClasses, BoundariesOfEachClass) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    for (unsigned c = 0; c < kNumSizeClasses; ++c) {
      std::size_t lo = c * 16 + 1, hi = (c + 1) * 16;
      void* p = a.Malloc(lo);
      void* q = a.Malloc(hi);
      EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->szidx), c);
      EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(q)->szidx), c);
      EXPECT_EQ(a.PoolOf(p), a.PoolOf(q));
      EXPECT_EQ(LABKIT_OBSERVE(Address(q) - Address(p)), ClassSize(c));
      a.Free(p);
      a.Free(q);
    }
  }
}

TEST(SizeClasses, ZeroAndLargeAreRaw) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    std::vector<void*> raw;
    for (std::size_t n : {std::size_t{0}, std::size_t{513}, std::size_t{520}, std::size_t{4096},
                          std::size_t{1} << 20}) {
      void* p = a.Malloc(n);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(Address(p) % kAlignment, 0u);
      EXPECT_FALSE(a.os().InLiveArena(p, 1)) << n;
      raw.push_back(p);
    }
    EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 5u);
    EXPECT_EQ(LABKIT_OBSERVE(a.raw_allocated_blocks), 5u);
    EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 0u);
    for (void* p : raw) a.Free(p);
    EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
    EXPECT_EQ(LABKIT_OBSERVE(a.raw_allocated_blocks), 0u);
    a.Free(nullptr);  // does nothing
    EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
  }
}

TEST(PoolLayout, AFreshPoolCarvesLazily) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    const std::size_t pool_size = a.geometry().pool_size;
    void* p = a.Malloc(80);  // class 4, 80 bytes
    PoolHeader* pool = a.PoolOf(p);
    EXPECT_EQ(Address(pool) % pool_size, 0u);
    EXPECT_EQ(LABKIT_OBSERVE(Address(p) - Address(pool)), kPoolOverhead);
    EXPECT_EQ(LABKIT_OBSERVE(pool->szidx), 4u);
    EXPECT_EQ(LABKIT_OBSERVE(pool->ref.count), 1u);
    EXPECT_EQ(LABKIT_OBSERVE(pool->nextoffset), kPoolOverhead + 2 * 80);
    EXPECT_EQ(LABKIT_OBSERVE(pool->maxnextoffset), pool_size - 80);
    EXPECT_EQ(LABKIT_OBSERVE(pool->arenaindex), 0u);
    // Exactly one block on the free list: block 1, and it ends the list.
    std::vector<const void*> free_blocks = FreeBlocks(a, *pool);
    ASSERT_EQ(LABKIT_OBSERVE(free_blocks.size()), 1u);
    EXPECT_EQ(Address(free_blocks[0]) - Address(p), 80u);
    void* q = a.Malloc(70);
    EXPECT_EQ(Address(q) - Address(p), 80u);
    EXPECT_EQ(LABKIT_OBSERVE(pool->nextoffset), kPoolOverhead + 3 * 80);
    EXPECT_EQ(LABKIT_OBSERVE(FreeBlocks(a, *pool).size()), 1u);
    a.Free(p);
    a.Free(q);
  }
}

TEST(PoolLayout, APoolHoldsExactlyItsBlocks) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    for (unsigned c : {0u, 1u, 2u, 7u, 20u, 30u, 31u}) {
      std::size_t size = ClassSize(c);
      std::size_t per_pool = (a.geometry().pool_size - kPoolOverhead) / size;
      std::vector<void*> blocks;
      void* first = a.Malloc(size);
      PoolHeader* pool = a.PoolOf(first);
      blocks.push_back(first);
      for (std::size_t i = 1; i < per_pool; ++i) {
        void* p = a.Malloc(size);
        ASSERT_EQ(a.PoolOf(p), pool) << "class " << c << " block " << i;
        ASSERT_EQ(Address(p), Address(first) + i * size) << "class " << c << " block " << i;
        blocks.push_back(p);
      }
      EXPECT_EQ(LABKIT_OBSERVE(pool->ref.count), per_pool);
      EXPECT_EQ(pool->freeblock, nullptr);
      EXPECT_EQ(LABKIT_OBSERVE(UsedPools(a, c).size()), 0u) << "a full pool is in no list";
      void* next = a.Malloc(size);
      EXPECT_NE(a.PoolOf(next), pool);
      EXPECT_EQ(Address(next) - Address(a.PoolOf(next)), kPoolOverhead);
      blocks.push_back(next);
      for (void* p : blocks) a.Free(p);
    }
  }
}

TEST(PoolLayout, PoolsComeFromTheArenaInOrder) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    const std::size_t pool_size = a.geometry().pool_size;
    std::vector<void*> firsts;
    for (unsigned c = 0; c < 5; ++c) firsts.push_back(a.Malloc(ClassSize(c)));
    ASSERT_EQ(a.arenas.size(), kInitialArenaObjects);
    std::uintptr_t base = a.arenas[0].address;
    for (unsigned c = 0; c < 5; ++c) {
      EXPECT_EQ(LABKIT_OBSERVE((Address(a.PoolOf(firsts[c])) - base) / pool_size), c);
    }
    EXPECT_EQ(LABKIT_OBSERVE(a.arenas[0].nfreepools), a.geometry().MaxPoolsInArena() - 5);
    EXPECT_EQ(LABKIT_OBSERVE(a.arenas[0].ntotalpools), a.geometry().MaxPoolsInArena());
    EXPECT_EQ(Address(a.arenas[0].pool_address), base + 5 * pool_size);
    for (void* p : firsts) a.Free(p);
  }
}

// Fills `n` pools of class c; returns their blocks, pool by pool.
std::vector<std::vector<void*>> FillPools(Allocator& a, unsigned c, int n) {
  std::size_t per_pool = a.BlocksPerPool(c);
  std::vector<std::vector<void*>> pools(n);
  for (int k = 0; k < n; ++k) {
    for (std::size_t i = 0; i < per_pool; ++i) pools[k].push_back(a.Malloc(ClassSize(c)));
  }
  return pools;
}

TEST(PoolStates, FreeInAFullPoolRelinksItAtTheFront) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    auto pools = FillPools(a, 3, 3);
    void* extra = a.Malloc(64);  // a fourth pool, used (partly full)
    PoolHeader* fourth = a.PoolOf(extra);
    ASSERT_EQ(UsedPools(a, 3).size(), 1u);
    // Full pools 0 and 2 get one free block each: each goes to the FRONT.
    a.Free(pools[0][5]);
    a.Free(pools[2][1]);
    std::vector<const PoolHeader*> used = UsedPools(a, 3);
    ASSERT_EQ(LABKIT_OBSERVE(used.size()), 3u);
    EXPECT_EQ(used[0], a.PoolOf(pools[2][0]));
    EXPECT_EQ(used[1], a.PoolOf(pools[0][0]));
    EXPECT_EQ(used[2], fourth);
    // Malloc serves from the front pool, and takes the block just freed there.
    void* again = a.Malloc(60);
    EXPECT_EQ(again, pools[2][1]);
    EXPECT_EQ(LABKIT_OBSERVE(UsedPools(a, 3).size()), 2u) << "pool 2 is full again";
    a.Free(again);
    a.Free(extra);
    for (auto& blocks : pools) {
      for (void* p : blocks) {
        if (p != pools[0][5] && p != pools[2][1]) a.Free(p);
      }
    }
    EXPECT_EQ(LABKIT_OBSERVE(UsedPools(a, 3).size()), 0u);
  }
}

TEST(PoolStates, AnEmptyPoolGoesToItsArenasFreePools) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    void* p = a.Malloc(100);
    void* q = a.Malloc(100);
    void* keep = a.Malloc(16);
    PoolHeader* pool = a.PoolOf(p);
    std::uint32_t nfree = a.arenas[0].nfreepools;
    a.Free(q);
    EXPECT_EQ(LABKIT_OBSERVE(UsedPools(a, 6).size()), 1u);
    a.Free(p);
    EXPECT_EQ(LABKIT_OBSERVE(UsedPools(a, 6).size()), 0u);
    std::vector<const PoolHeader*> free_pools = FreePools(a, a.arenas[0]);
    ASSERT_EQ(LABKIT_OBSERVE(free_pools.size()), 1u);
    EXPECT_EQ(free_pools[0], pool);
    EXPECT_EQ(LABKIT_OBSERVE(a.arenas[0].nfreepools), nfree + 1);
    EXPECT_EQ(LABKIT_OBSERVE(pool->ref.count), 0u);
    a.Free(keep);
  }
}

TEST(PoolStates, AnEmptyPoolIsReusedFirst) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    void* keep = a.Malloc(16);
    void* p = a.Malloc(100);
    void* q = a.Malloc(100);
    PoolHeader* pool = a.PoolOf(p);
    a.Free(p);
    a.Free(q);  // pool empty, free list q -> p -> block 2 (carved when q was taken)
    // Same class again: the pool keeps its free list (the last block freed comes first).
    void* r = a.Malloc(97);
    EXPECT_EQ(a.PoolOf(r), pool);
    EXPECT_EQ(r, q);
    EXPECT_EQ(LABKIT_OBSERVE(pool->nextoffset), kPoolOverhead + 3 * 112);
    a.Free(r);
    // Another class: the same pool, initialised afresh for class 0.
    void* s = a.Malloc(8);
    void* t = a.Malloc(8);
    EXPECT_EQ(a.PoolOf(s), a.PoolOf(keep)) << "class 0 already has a used pool";
    EXPECT_EQ(Address(t) - Address(s), 16u);
    void* u = a.Malloc(300);  // class 18 takes the empty pool
    EXPECT_EQ(a.PoolOf(u), pool);
    EXPECT_EQ(LABKIT_OBSERVE(pool->szidx), 18u);
    EXPECT_EQ(LABKIT_OBSERVE(Address(u) - Address(pool)), kPoolOverhead);
    EXPECT_EQ(LABKIT_OBSERVE(pool->nextoffset), kPoolOverhead + 2 * 304);
    for (void* x : {keep, s, t, u}) a.Free(x);
  }
}

TEST(PoolStates, FreeListIsLifo) {
  for (std::string geometry : {"small", "large"}) {
    SCOPED_TRACE(geometry);
    Allocator a(GeometryNamed(geometry));
    std::vector<void*> blocks;
    for (int i = 0; i < 10; ++i) blocks.push_back(a.Malloc(200));
    for (int i : {3, 7, 1}) a.Free(blocks[i]);
    std::vector<const void*> free_blocks = FreeBlocks(a, *a.PoolOf(blocks[0]));
    ASSERT_GE(free_blocks.size(), 3u);
    EXPECT_EQ(free_blocks[0], blocks[1]);
    EXPECT_EQ(free_blocks[1], blocks[7]);
    EXPECT_EQ(free_blocks[2], blocks[3]);
    EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(blocks[0])->ref.count), 7u);
    EXPECT_EQ(a.Malloc(200), blocks[1]);
    EXPECT_EQ(a.Malloc(200), blocks[7]);
    EXPECT_EQ(a.Malloc(200), blocks[3]);
    for (void* p : blocks) a.Free(p);
  }
}

}  // namespace
}  // namespace pymalloc
