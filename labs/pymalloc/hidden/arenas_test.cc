// Hidden tests: arenas (rule 6: the usable list's order, new arenas, release) and the
// ownership checks (rules 7 and 8).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "labkit/observe.h"
#include "pymalloc/obmalloc.h"
#include "pymalloc/walkers.h"

namespace pymalloc {
namespace {

constexpr unsigned kBig = 31;  // class of 512-byte blocks: few blocks per pool

std::uintptr_t Address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// One whole pool of class kBig; checks that its blocks share a pool.
std::vector<void*> AllocPool(Allocator& a) {
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < a.BlocksPerPool(kBig); ++i) blocks.push_back(a.Malloc(512));
  for (void* p : blocks) EXPECT_EQ(a.PoolOf(p), a.PoolOf(blocks[0]));
  return blocks;
}

std::uint32_t ArenaOf(const Allocator& a, const std::vector<void*>& pool) {
  return a.PoolOf(pool[0])->arenaindex;
}

void FreePool(Allocator& a, std::vector<void*>& pool) {
  for (void* p : pool) a.Free(p);
  pool.clear();
}

// "index(nfreepools) ..." of usable_arenas, head first.
std::string Order(const Allocator& a) {
  std::string out;
  for (const ArenaObject* ao : UsableArenas(a)) {
    if (!out.empty()) out += " ";
    out += std::to_string(ArenaIndex(a, ao)) + "(" + std::to_string(ao->nfreepools) + ")";
  }
  return out;
}

// Whole pools, arena by arena: pools[arena][k].
std::vector<std::vector<std::vector<void*>>> FillArenas(Allocator& a, int arenas) {
  std::vector<std::vector<std::vector<void*>>> out(arenas);
  for (int i = 0; i < arenas; ++i) {
    for (std::size_t k = 0; k < a.geometry().MaxPoolsInArena(); ++k) {
      out[i].push_back(AllocPool(a));
      EXPECT_EQ(ArenaOf(a, out[i].back()), static_cast<std::uint32_t>(i));
    }
  }
  return out;
}

void FreeAll(Allocator& a, std::vector<std::vector<std::vector<void*>>>& arenas) {
  for (auto& pools : arenas) {
    for (auto& pool : pools) FreePool(a, pool);
  }
}

TEST(ArenaOrder, FullArenasAreInNoList) {
  Allocator a;
  auto arenas = FillArenas(a, 2);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "");
  EXPECT_EQ(LABKIT_OBSERVE(a.narenas_currently_allocated), 2u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 2u);
  FreeAll(a, arenas);
}

TEST(ArenaOrder, SortedByFreePools) {
  Allocator a;
  auto arenas = FillArenas(a, 3);
  std::vector<void*> last = AllocPool(a);  // arena 3: one pool used
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "3(63)");
  FreePool(a, arenas[0][10]);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "0(1) 3(63)");
  FreePool(a, arenas[0][20]);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "0(2) 3(63)");
  FreePool(a, arenas[1][5]);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "1(1) 0(2) 3(63)");
  FreePool(a, arenas[2][0]);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "2(1) 1(1) 0(2) 3(63)");
  FreePool(a, arenas[2][1]);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "1(1) 2(2) 0(2) 3(63)");
  FreePool(a, arenas[2][2]);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "1(1) 0(2) 2(3) 3(63)");
  // The next new pool comes from the fullest arena, which then leaves the list.
  void* p = a.Malloc(1);
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(p)->arenaindex), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "0(2) 2(3) 3(63)");
  void* q = a.Malloc(17);
  EXPECT_EQ(LABKIT_OBSERVE(a.PoolOf(q)->arenaindex), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "0(1) 2(3) 3(63)");
  a.Free(p);
  a.Free(q);
  FreePool(a, last);
  FreeAll(a, arenas);
}

TEST(ArenaOrder, ManyArenasStaySorted) {
  Allocator a;
  auto arenas = FillArenas(a, 5);
  // Free pools in a scrambled order; after each free the list must be sorted.
  int steps = 0;
  for (int round = 0; round < 12; ++round) {
    for (int i : {3, 0, 4, 1, 2}) {
      if ((round + i) % 3 == 0) continue;
      auto& pool = arenas[i][(round * 7 + i * 5) % 64];
      if (pool.empty()) continue;
      FreePool(a, pool);
      ++steps;
      std::vector<const ArenaObject*> usable = UsableArenas(a);
      for (std::size_t k = 1; k < usable.size(); ++k) {
        ASSERT_LE(usable[k - 1]->nfreepools, usable[k]->nfreepools)
            << "after " << steps << " frees: " << Order(a);
      }
    }
  }
  LABKIT_OBSERVE(Order(a));
  FreeAll(a, arenas);
}

TEST(ArenaOrder, NewArenaOnlyWhenNoneIsUsable) {
  Allocator a;
  auto arenas = FillArenas(a, 1);
  std::vector<void*> second = AllocPool(a);
  EXPECT_EQ(LABKIT_OBSERVE(ArenaOf(a, second)), 1u);
  PoolHeader* freed = a.PoolOf(arenas[0][40][0]);
  FreePool(a, arenas[0][40]);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "0(1) 1(63)");
  std::vector<void*> third = AllocPool(a);  // class 31 has no used pool: a new pool
  EXPECT_EQ(LABKIT_OBSERVE(ArenaOf(a, third)), 0u);
  EXPECT_EQ(a.PoolOf(third[0]), freed);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().arenas_mapped()), 2u);
  FreePool(a, second);
  FreePool(a, third);
  FreeAll(a, arenas);
}

TEST(ArenaOrder, ArenaObjectsGrowBy16ThenDouble) {
  Allocator a;
  EXPECT_EQ(LABKIT_OBSERVE(a.arenas.size()), 0u);
  auto arenas = FillArenas(a, 16);
  EXPECT_EQ(LABKIT_OBSERVE(a.arenas.size()), 16u);
  EXPECT_EQ(a.unused_arena_objects, nullptr);
  std::vector<void*> more = AllocPool(a);
  EXPECT_EQ(LABKIT_OBSERVE(a.arenas.size()), 32u);
  EXPECT_EQ(LABKIT_OBSERVE(ArenaOf(a, more)), 16u);
  ASSERT_NE(a.unused_arena_objects, nullptr);
  EXPECT_EQ(LABKIT_OBSERVE(ArenaIndex(a, a.unused_arena_objects)), 17u);
  EXPECT_EQ(LABKIT_OBSERVE(a.narenas_highwater), 17u);
  FreePool(a, more);
  FreeAll(a, arenas);
}

TEST(ArenaRelease, AnEmptyArenaIsReleased) {
  Allocator a;
  auto arenas = FillArenas(a, 1);
  std::vector<void*> second = AllocPool(a);  // arena 1: one pool used
  FreeAll(a, arenas);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().arenas_unmapped()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.arenas[0].address), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(a.narenas_currently_allocated), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "1(63)");
  EXPECT_EQ(a.unused_arena_objects, &a.arenas[0]);
  FreePool(a, second);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 1u) << "the last usable arena is kept";
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "1(64)");
}

TEST(ArenaRelease, FreeingEverythingKeepsOneArena) {
  Allocator a;
  auto arenas = FillArenas(a, 4);
  // Free arena by arena, interleaved.
  for (std::size_t k = 0; k < 64; ++k) {
    for (int i : {2, 0, 3, 1}) FreePool(a, arenas[i][k]);
  }
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().arenas_unmapped()), 3u);
  EXPECT_EQ(LABKIT_OBSERVE(a.narenas_currently_allocated), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.ntimes_arena_allocated), 4u);
  EXPECT_EQ(LABKIT_OBSERVE(Order(a)), "2(64)");
}

TEST(ArenaRelease, AReleasedArenaObjectIsReusedFirst) {
  Allocator a;
  auto arenas = FillArenas(a, 3);
  std::vector<void*> extra = AllocPool(a);  // arena 3
  for (auto& pool : arenas[1]) FreePool(a, pool);
  EXPECT_EQ(LABKIT_OBSERVE(a.arenas[1].address), 0u);
  ASSERT_EQ(LABKIT_OBSERVE(Order(a)), "3(63)");
  // Fill arena 3; the next arena gets the released object 1, and fresh memory.
  std::vector<std::vector<void*>> pools;
  for (int k = 0; k < 63; ++k) pools.push_back(AllocPool(a));
  std::vector<void*> next = AllocPool(a);
  EXPECT_EQ(LABKIT_OBSERVE(ArenaOf(a, next)), 1u);
  EXPECT_NE(a.arenas[1].address, 0u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().arenas_mapped()), 5u);
  EXPECT_EQ(LABKIT_OBSERVE(a.ntimes_arena_allocated), 5u);
  EXPECT_EQ(LABKIT_OBSERVE(a.narenas_highwater), 4u);
  FreePool(a, next);
  for (auto& pool : pools) FreePool(a, pool);
  FreePool(a, extra);
  FreeAll(a, arenas);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 1u);
}

TEST(ArenaRelease, LargeGeometryReleasesToo) {
  Allocator a(Geometry::Large());
  auto arenas = FillArenas(a, 2);
  std::vector<void*> extra = AllocPool(a);
  FreeAll(a, arenas);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().arenas_unmapped()), 2u);
  FreePool(a, extra);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().live_arenas()), 1u);
}

TEST(ArenaRelease, NoArenaMeansRawFallback) {
  OsLayer os;
  os.SetArenaLimit(1);
  Allocator a(Geometry::Small(), &os);
  auto arenas = FillArenas(a, 1);
  void* p = a.Malloc(40);  // no pool free and no arena to be had: the raw allocator
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(os.InLiveArena(p, 1));
  EXPECT_EQ(LABKIT_OBSERVE(os.raw_live_blocks()), 1u);
  EXPECT_FALSE(a.AddressInRange(p));
  a.Free(p);
  EXPECT_EQ(LABKIT_OBSERVE(os.raw_live_blocks()), 0u);
  FreeAll(a, arenas);
}

// ---- Ownership (rules 7 and 8) ---------------------------------------------------------

TEST(Ownership, ArenaIndexCheckAcceptsEveryPoolBlock) {
  Allocator a;
  std::vector<void*> blocks;
  for (int i = 0; i < 3000; ++i) blocks.push_back(a.Malloc(1 + (i * 37) % 512));
  for (void* p : blocks) ASSERT_TRUE(a.AddressInRange(p));
  void* raw = a.Malloc(600);
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(raw)));
  int local = 0;
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(&local)));
  for (void* p : blocks) a.Free(p);
  a.Free(raw);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
}

TEST(Ownership, ArenaIndexCheckRejectsForgedHeaders) {
  Allocator a;
  auto arenas = FillArenas(a, 2);
  std::vector<void*> extra = AllocPool(a);
  for (auto& pool : arenas[0]) FreePool(a, pool);  // arena 0 released: address 0
  ASSERT_EQ(a.arenas[0].address, 0u);
  // A raw block spanning whole pages: write fake pool headers into it.
  auto* raw = static_cast<unsigned char*>(a.Malloc(3 * 4096));
  std::uintptr_t page = (Address(raw) + 4095) & ~std::uintptr_t{4095};
  void* inside = reinterpret_cast<void*>(page + 64);
  auto* fake = reinterpret_cast<PoolHeader*>(page);
  for (std::uint32_t index : {0u, 1u, 2u, 15u, 16u, 1000u, 0xffffffffu}) {
    std::memset(fake, 0, sizeof(PoolHeader));
    fake->arenaindex = index;
    EXPECT_FALSE(a.AddressInRange(inside)) << "forged arenaindex " << index;
  }
  a.Free(raw);
  EXPECT_EQ(LABKIT_OBSERVE(a.os().raw_live_blocks()), 0u);
  FreePool(a, extra);
  FreeAll(a, arenas);
}

TEST(Ownership, RadixTreeCoversExactlyTheArenas) {
  OsLayer os;
  os.SetArenaOffset(5 * 4096);  // arenas straddle two 1 MiB slots and lose a pool
  Allocator a(Geometry::Large(), &os);
  void* p = a.Malloc(64);
  ASSERT_EQ(a.arenas.size(), kInitialArenaObjects);
  std::uintptr_t base = a.arenas[0].address;
  EXPECT_EQ(LABKIT_OBSERVE(base % (1u << 20)), 5u * 4096u);
  EXPECT_EQ(LABKIT_OBSERVE(a.arenas[0].ntotalpools), 63u);
  EXPECT_EQ(LABKIT_OBSERVE(Address(a.arenas[0].pool_address) % 16384), 0u);
  auto at = [](std::uintptr_t x) { return reinterpret_cast<const void*>(x); };
  EXPECT_TRUE(LABKIT_OBSERVE(a.AddressInRange(at(base))));
  EXPECT_TRUE(LABKIT_OBSERVE(a.AddressInRange(at(base + (1u << 20) - 16))));
  EXPECT_TRUE(LABKIT_OBSERVE(a.AddressInRange(at(base + 0x80000))));
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(at(base - 16))));
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(at(base + (1u << 20)))));
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(at(base + (3u << 20)))));
  EXPECT_TRUE(a.AddressInRange(p));
  EXPECT_GT(os.node_bytes(), 0u);
  void* raw = a.Malloc(1000);
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(raw)));
  a.Free(raw);
  a.Free(p);
}

TEST(Ownership, RadixTreeForgetsReleasedArenas) {
  OsLayer os;
  os.SetArenaOffset(4 * 4096);  // pool-aligned, not arena-aligned
  Allocator a(Geometry::Large(), &os);
  auto arenas = FillArenas(a, 2);
  std::vector<void*> extra = AllocPool(a);
  std::uintptr_t base0 = a.arenas[0].address, base1 = a.arenas[1].address;
  FreeAll(a, arenas);  // arenas 0 and 1 are released; arena 2 stays
  ASSERT_EQ(a.os().live_arenas(), 1u);
  auto at = [](std::uintptr_t x) { return reinterpret_cast<const void*>(x); };
  for (std::uintptr_t base : {base0, base1}) {
    EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(at(base))));
    EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(at(base + 0xffff0))));
  }
  EXPECT_TRUE(a.AddressInRange(extra[0]));
  FreePool(a, extra);
}

TEST(Ownership, RadixTreeWithAlignedArenas) {
  Allocator a(Geometry::Large());
  void* p = a.Malloc(500);
  std::uintptr_t base = a.arenas[0].address;
  EXPECT_EQ(LABKIT_OBSERVE(base % (1u << 20)), 0u);
  EXPECT_EQ(LABKIT_OBSERVE(a.arenas[0].ntotalpools), 64u);
  auto at = [](std::uintptr_t x) { return reinterpret_cast<const void*>(x); };
  EXPECT_TRUE(LABKIT_OBSERVE(a.AddressInRange(at(base))));
  EXPECT_TRUE(LABKIT_OBSERVE(a.AddressInRange(at(base + (1u << 20) - 1))));
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(at(base + (1u << 20)))));
  EXPECT_FALSE(LABKIT_OBSERVE(a.AddressInRange(at(base - 1))));
  a.Free(p);
}

}  // namespace
}  // namespace pymalloc
