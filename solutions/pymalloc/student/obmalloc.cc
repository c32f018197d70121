// Reference solution: pymalloc's malloc, free and realloc paths, pools, arenas and the two
// ownership checks (pymalloc/obmalloc.h rules 1-9), after CPython 3.12 Objects/obmalloc.c.
#include "pymalloc/obmalloc.h"

#include <cstring>

#define PYMALLOC_LIKELY(x) __builtin_expect(!!(x), 1)
#define PYMALLOC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PYMALLOC_INLINE inline __attribute__((always_inline))
#define PYMALLOC_COLD __attribute__((noinline, cold))

namespace pymalloc {
namespace {

PYMALLOC_INLINE Block*& NextFree(Block* block) { return *reinterpret_cast<Block**>(block); }

// ---- The radix tree (rule 8) ----------------------------------------------------------

constexpr std::uintptr_t kAddressMask = (std::uintptr_t{1} << kAddressBits) - 1;
constexpr std::uintptr_t kArenaMask = (std::uintptr_t{1} << kRadixArenaBits) - 1;

PYMALLOC_INLINE unsigned TopIndex(std::uintptr_t p) {
  return ((p & kAddressMask) >> (kRadixArenaBits + kMapBotBits + kMapMidBits)) &
         ((1u << kMapTopBits) - 1);
}
PYMALLOC_INLINE unsigned MidIndex(std::uintptr_t p) {
  return ((p & kAddressMask) >> (kRadixArenaBits + kMapBotBits)) & ((1u << kMapMidBits) - 1);
}
PYMALLOC_INLINE unsigned BotIndex(std::uintptr_t p) {
  return ((p & kAddressMask) >> kRadixArenaBits) & ((1u << kMapBotBits) - 1);
}

// The bottom node for p; made on demand when `create` (nullptr if that fails).
RadixBottom* MapGet(Allocator& a, std::uintptr_t p, bool create) {
  RadixMid*& mid = a.arena_map_root.ptrs[TopIndex(p)];
  if (mid == nullptr) {
    if (!create) return nullptr;
    mid = static_cast<RadixMid*>(a.os().AllocNode(sizeof(RadixMid)));
    if (mid == nullptr) return nullptr;
  }
  RadixBottom*& bottom = mid->ptrs[MidIndex(p)];
  if (bottom == nullptr) {
    if (!create) return nullptr;
    bottom = static_cast<RadixBottom*>(a.os().AllocNode(sizeof(RadixBottom)));
  }
  return bottom;
}

PYMALLOC_INLINE const RadixBottom* MapFind(const Allocator& a, std::uintptr_t p) {
  const RadixMid* mid = a.arena_map_root.ptrs[TopIndex(p)];
  if (mid == nullptr) return nullptr;
  return mid->ptrs[MidIndex(p)];
}

// Marks [base, base + 1 MiB) as ours (or not). False if a node could not be made.
bool MapMarkUsed(Allocator& a, std::uintptr_t base, bool used) {
  RadixBottom* hi = MapGet(a, base, used);
  if (hi == nullptr) return !used;
  auto tail = static_cast<std::int32_t>(base & kArenaMask);
  ArenaCoverage& slot = hi->arenas[BotIndex(base)];
  if (tail == 0) {
    slot.tail_hi = used ? -1 : 0;
    return true;
  }
  slot.tail_hi = used ? tail : 0;
  std::uintptr_t next = base + a.geometry().arena_size;
  RadixBottom* lo = MapGet(a, next, used);
  if (lo == nullptr) {
    slot.tail_hi = 0;
    return !used;
  }
  lo->arenas[BotIndex(next)].tail_lo = used ? tail : 0;
  return true;
}

PYMALLOC_INLINE bool MapIsUsed(const Allocator& a, std::uintptr_t p) {
  const RadixBottom* n = MapFind(a, p);
  if (n == nullptr) return false;
  const ArenaCoverage& slot = n->arenas[BotIndex(p)];
  auto tail = static_cast<std::int32_t>(p & kArenaMask);
  return (slot.tail_hi != 0 && tail >= slot.tail_hi) || tail < slot.tail_lo;
}

// Rule 7: the arena-index check (p may be a raw block: its "pool header" is garbage).
__attribute__((noinline)) bool ArenaIndexOwns(const Allocator& a, const void* p) {
  auto at = reinterpret_cast<std::uintptr_t>(p);
  std::uint32_t index = Allocator::ReadArenaIndex(a.PoolOf(p));
  if (index >= a.arenas.size()) return false;
  std::uintptr_t base = a.arenas[index].address;
  return base != 0 && at - base < a.geometry().arena_size;
}

// address_in_range, inlined into Free and Realloc. nullptr is never ours (the radix tree
// says so without a check; the arena-index read must not touch page 0).
PYMALLOC_INLINE bool Owns(const Allocator& a, const void* p) {
  if (PYMALLOC_LIKELY(a.geometry().radix_tree)) {
    return MapIsUsed(a, reinterpret_cast<std::uintptr_t>(p));
  }
  return p != nullptr && ArenaIndexOwns(a, p);
}

// Requests pymalloc does not serve (rule 1), kept out of the hot paths.
PYMALLOC_COLD void* RawMallocCounted(Allocator& a, std::size_t nbytes) {
  void* p = a.os().RawMalloc(nbytes);
  if (p != nullptr) ++a.raw_allocated_blocks;
  return p;
}

PYMALLOC_COLD void RawFreeCounted(Allocator& a, void* p) {
  if (p == nullptr) return;
  a.os().RawFree(p);
  --a.raw_allocated_blocks;
}

// ---- Arenas (rule 6) ------------------------------------------------------------------

// new_arena: a fresh arena, or nullptr when the OS says no.
PYMALLOC_COLD ArenaObject* NewArena(Allocator& a) {
  const Geometry& g = a.geometry();
  if (a.unused_arena_objects == nullptr) {
    std::size_t old = a.arenas.size();
    std::size_t grown = old == 0 ? kInitialArenaObjects : 2 * old;
    // Safe to move the vector: with no unused object and no usable arena, no pointer into
    // it is held (full arenas are in no list; nfp2lasta is all null).
    a.arenas.resize(grown);
    for (std::size_t i = old; i < grown; ++i) {
      a.arenas[i] = ArenaObject{};
      a.arenas[i].nextarena = i + 1 < grown ? &a.arenas[i + 1] : nullptr;
    }
    a.unused_arena_objects = &a.arenas[old];
  }
  ArenaObject* ao = a.unused_arena_objects;
  void* memory = a.os().MapArena(g.arena_size);
  if (memory == nullptr) return nullptr;
  auto address = reinterpret_cast<std::uintptr_t>(memory);
  if (g.radix_tree && !MapMarkUsed(a, address, true)) {
    MapMarkUsed(a, address, false);
    a.os().UnmapArena(memory, g.arena_size);
    return nullptr;
  }
  a.unused_arena_objects = ao->nextarena;
  ao->address = address;
  ++a.narenas_currently_allocated;
  ++a.ntimes_arena_allocated;
  if (a.narenas_currently_allocated > a.narenas_highwater) {
    a.narenas_highwater = a.narenas_currently_allocated;
  }
  ao->freepools = nullptr;
  ao->nextarena = ao->prevarena = nullptr;
  ao->pool_address = reinterpret_cast<Block*>(address);
  ao->nfreepools = static_cast<std::uint32_t>(g.MaxPoolsInArena());
  std::uintptr_t excess = address & (g.pool_size - 1);
  if (excess != 0) {
    --ao->nfreepools;
    ao->pool_address += g.pool_size - excess;
  }
  ao->ntotalpools = ao->nfreepools;
  return ao;
}

// The head of usable_arenas gave a pool away: update fingers, maybe drop it (full).
void TookPoolFromHead(Allocator& a) {
  ArenaObject* ao = a.usable_arenas;
  if (a.nfp2lasta[ao->nfreepools] == ao) a.nfp2lasta[ao->nfreepools] = nullptr;
  if (ao->nfreepools > 1) a.nfp2lasta[ao->nfreepools - 1] = ao;
  if (--ao->nfreepools == 0) {
    a.usable_arenas = ao->nextarena;
    if (a.usable_arenas != nullptr) a.usable_arenas->prevarena = nullptr;
  }
}

// insert_to_freepool: `pool` just became empty (rule 4) and is unlinked from usedpools.
__attribute__((noinline)) void InsertToFreepool(Allocator& a, PoolHeader* pool) {
  PoolHeader* next = pool->nextpool;
  PoolHeader* prev = pool->prevpool;
  next->prevpool = prev;
  prev->nextpool = next;

  ArenaObject* ao = &a.arenas[pool->arenaindex];
  pool->nextpool = ao->freepools;
  ao->freepools = pool;
  std::uint32_t nf = ao->nfreepools;
  ArenaObject* lastnf = a.nfp2lasta[nf];
  if (lastnf == ao) {
    ArenaObject* p = ao->prevarena;
    a.nfp2lasta[nf] = (p != nullptr && p->nfreepools == nf) ? p : nullptr;
  }
  ao->nfreepools = ++nf;

  if (nf == ao->ntotalpools && ao->nextarena != nullptr) {
    // a. Release the arena (the last usable one is kept).
    if (ao->prevarena == nullptr) {
      a.usable_arenas = ao->nextarena;
    } else {
      ao->prevarena->nextarena = ao->nextarena;
    }
    ao->nextarena->prevarena = ao->prevarena;
    ao->nextarena = a.unused_arena_objects;
    a.unused_arena_objects = ao;
    if (a.geometry().radix_tree) MapMarkUsed(a, ao->address, false);
    a.os().UnmapArena(reinterpret_cast<void*>(ao->address), a.geometry().arena_size);
    ao->address = 0;
    --a.narenas_currently_allocated;
    return;
  }
  if (nf == 1) {
    // b. The arena was full: it goes to the head.
    ao->nextarena = a.usable_arenas;
    ao->prevarena = nullptr;
    if (a.usable_arenas != nullptr) a.usable_arenas->prevarena = ao;
    a.usable_arenas = ao;
    if (a.nfp2lasta[1] == nullptr) a.nfp2lasta[1] = ao;
    return;
  }
  if (a.nfp2lasta[nf] == nullptr) a.nfp2lasta[nf] = ao;
  if (ao == lastnf) return;  // still in order
  // c. Move ao to just after lastnf, the last arena with its old count.
  if (ao->prevarena != nullptr) {
    ao->prevarena->nextarena = ao->nextarena;
  } else {
    a.usable_arenas = ao->nextarena;
  }
  ao->nextarena->prevarena = ao->prevarena;
  ao->prevarena = lastnf;
  ao->nextarena = lastnf->nextarena;
  if (ao->nextarena != nullptr) ao->nextarena->prevarena = ao;
  lastnf->nextarena = ao;
}

// ---- Pools (rules 3-5) ----------------------------------------------------------------

// A pool for class `index` when usedpools[index] is empty; returns the first block.
__attribute__((noinline)) Block* AllocateFromNewPool(Allocator& a, unsigned index) {
  const Geometry& g = a.geometry();
  if (PYMALLOC_UNLIKELY(a.usable_arenas == nullptr)) {
    a.usable_arenas = NewArena(a);
    if (a.usable_arenas == nullptr) return nullptr;
    a.nfp2lasta[a.usable_arenas->nfreepools] = a.usable_arenas;
  }
  ArenaObject* ao = a.usable_arenas;
  PoolHeader* pool = ao->freepools;
  if (pool != nullptr) {
    ao->freepools = pool->nextpool;
  } else {
    pool = reinterpret_cast<PoolHeader*>(ao->pool_address);
    pool->arenaindex = static_cast<std::uint32_t>(ao - a.arenas.data());
    pool->szidx = kDummySizeIndex;
    ao->pool_address += g.pool_size;
  }
  TookPoolFromHead(a);

  // The pool becomes the only used pool of its class.
  PoolHeader* sentinel = &a.usedpools[index];
  pool->nextpool = pool->prevpool = sentinel;
  sentinel->nextpool = sentinel->prevpool = pool;
  pool->ref.count = 1;
  if (pool->szidx == index) {
    // It served this class before: its free list is still good.
    Block* bp = pool->freeblock;
    pool->freeblock = NextFree(bp);
    return bp;
  }
  std::size_t size = ClassSize(index);
  pool->szidx = index;
  Block* bp = reinterpret_cast<Block*>(pool) + kPoolOverhead;
  pool->nextoffset = static_cast<std::uint32_t>(kPoolOverhead + 2 * size);
  pool->maxnextoffset = static_cast<std::uint32_t>(g.pool_size - size);
  pool->freeblock = bp + size;
  NextFree(pool->freeblock) = nullptr;
  return bp;
}

// Malloc when usedpools[index] is empty (a tail call, so Malloc itself needs no frame).
__attribute__((noinline)) void* MallocFromNewPool(Allocator& a, unsigned index,
                                                  std::size_t nbytes) {
  Block* bp = AllocateFromNewPool(a, index);
  if (PYMALLOC_LIKELY(bp != nullptr)) return bp;
  // No arena: fall back to the raw allocator, as CPython does.
  return RawMallocCounted(a, nbytes);
}

// pymalloc_free once p is known to be ours (rules 3 and 4).
PYMALLOC_INLINE void FreeToPool(Allocator& a, void* p) {
  PoolHeader* pool = a.PoolOf(p);
  Block* lastfree = pool->freeblock;
  NextFree(static_cast<Block*>(p)) = lastfree;
  pool->freeblock = static_cast<Block*>(p);
  --pool->ref.count;
  if (PYMALLOC_UNLIKELY(lastfree == nullptr)) {
    // The pool was full: link it at the front of its class's used pools.
    PoolHeader* sentinel = &a.usedpools[pool->szidx];
    PoolHeader* next = sentinel->nextpool;
    pool->nextpool = next;
    pool->prevpool = sentinel;
    next->prevpool = pool;
    sentinel->nextpool = pool;
    return;
  }
  if (PYMALLOC_LIKELY(pool->ref.count != 0)) return;
  InsertToFreepool(a, pool);
}

// Free with the small geometry, whose ownership check calls ReadArenaIndex.
__attribute__((noinline)) void FreeArenaIndexGeometry(Allocator& a, void* p) {
  if (!Owns(a, p)) return RawFreeCounted(a, p);  // nullptr too
  FreeToPool(a, p);
}

}  // namespace

void* Allocator::Malloc(std::size_t nbytes) {
  if (PYMALLOC_UNLIKELY(nbytes - 1 >= kSmallRequestThreshold)) {  // 0 or > 512
    return RawMallocCounted(*this, nbytes);
  }
  auto index = static_cast<unsigned>((nbytes - 1) >> kAlignmentShift);
  PoolHeader* pool = usedpools[index].nextpool;
  if (PYMALLOC_LIKELY(pool != &usedpools[index])) {
    ++pool->ref.count;
    Block* bp = pool->freeblock;
    if (PYMALLOC_UNLIKELY((pool->freeblock = NextFree(bp)) == nullptr)) {
      // pool_extend: carve one never-used block, or the pool is now full.
      if (pool->nextoffset <= pool->maxnextoffset) {
        pool->freeblock = reinterpret_cast<Block*>(pool) + pool->nextoffset;
        pool->nextoffset += static_cast<std::uint32_t>(ClassSize(index));
        NextFree(pool->freeblock) = nullptr;
      } else {
        PoolHeader* next = pool->nextpool;
        PoolHeader* prev = pool->prevpool;
        next->prevpool = prev;
        prev->nextpool = next;
      }
    }
    return bp;
  }
  return MallocFromNewPool(*this, index, nbytes);
}

bool Allocator::AddressInRange(const void* p) const { return Owns(*this, p); }

void Allocator::Free(void* p) {
  // The small geometry's ownership check makes a call: keep it out of the hot path.
  if (PYMALLOC_UNLIKELY(!geometry_.radix_tree)) return FreeArenaIndexGeometry(*this, p);
  if (PYMALLOC_UNLIKELY(!Owns(*this, p))) return RawFreeCounted(*this, p);  // nullptr too
  FreeToPool(*this, p);
}

void* Allocator::Realloc(void* p, std::size_t nbytes) {
  if (p == nullptr) return Malloc(nbytes);
  if (PYMALLOC_UNLIKELY(!Owns(*this, p))) return os_->RawRealloc(p, nbytes);
  std::size_t size = ClassSize(PoolOf(p)->szidx);
  if (nbytes <= size) {
    // Shrinking (or the same): stay unless at least a quarter would be saved.
    if (4 * nbytes > 3 * size) return p;
    size = nbytes;
  }
  void* bp = Malloc(nbytes);
  if (bp != nullptr) {
    std::memcpy(bp, p, size);
    Free(p);
  }
  return bp;
}

}  // namespace pymalloc
