// pymalloc: the malloc, free and realloc paths. Half done: pools work, but arenas are never
// given back or re-sorted, and ownership is a linear scan over the arenas (no radix tree).
#include "pymalloc/obmalloc.h"

#include <cstring>

#define PYMALLOC_LIKELY(x) __builtin_expect(!!(x), 1)
#define PYMALLOC_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace pymalloc {
namespace {

Block*& NextFree(Block* block) { return *reinterpret_cast<Block**>(block); }

// ---- Arenas (rule 6) ------------------------------------------------------------------

// new_arena: a fresh arena, or nullptr when the OS says no.
ArenaObject* NewArena(Allocator& a) {
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
  if (--ao->nfreepools == 0) {
    a.usable_arenas = ao->nextarena;
    if (a.usable_arenas != nullptr) a.usable_arenas->prevarena = nullptr;
  }
}

// `pool` just became empty: put it on its arena's free pools.
// TODO: release wholly free arenas; keep usable_arenas sorted.
void InsertToFreepool(Allocator& a, PoolHeader* pool) {
  PoolHeader* next = pool->nextpool;
  PoolHeader* prev = pool->prevpool;
  next->prevpool = prev;
  prev->nextpool = next;

  ArenaObject* ao = &a.arenas[pool->arenaindex];
  pool->nextpool = ao->freepools;
  ao->freepools = pool;
  if (++ao->nfreepools == 1) {
    ao->nextarena = a.usable_arenas;
    ao->prevarena = nullptr;
    if (a.usable_arenas != nullptr) a.usable_arenas->prevarena = ao;
    a.usable_arenas = ao;
  }
}

// ---- Pools (rules 3-5) ----------------------------------------------------------------

// A pool for class `index` when usedpools[index] is empty; returns the first block.
Block* AllocateFromNewPool(Allocator& a, unsigned index) {
  const Geometry& g = a.geometry();
  if (PYMALLOC_UNLIKELY(a.usable_arenas == nullptr)) {
    a.usable_arenas = NewArena(a);
    if (a.usable_arenas == nullptr) return nullptr;
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

}  // namespace

void* Allocator::Malloc(std::size_t nbytes) {
  if (PYMALLOC_UNLIKELY(nbytes - 1 >= kSmallRequestThreshold)) {  // 0 or > 512
    void* p = os_->RawMalloc(nbytes);
    if (p != nullptr) ++raw_allocated_blocks;
    return p;
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
  Block* bp = AllocateFromNewPool(*this, index);
  if (PYMALLOC_LIKELY(bp != nullptr)) return bp;
  // No arena: fall back to the raw allocator, as CPython does.
  void* p = os_->RawMalloc(nbytes);
  if (p != nullptr) ++raw_allocated_blocks;
  return p;
}

bool Allocator::AddressInRange(const void* p) const {
  // TODO: the arena-index check and the radix tree. A scan is correct but O(arenas).
  auto at = reinterpret_cast<std::uintptr_t>(p);
  for (const ArenaObject& arena : arenas) {
    if (arena.address != 0 && at - arena.address < geometry_.arena_size) return true;
  }
  return false;
}

void Allocator::Free(void* p) {
  if (p == nullptr) return;
  if (PYMALLOC_UNLIKELY(!AddressInRange(p))) {
    os_->RawFree(p);
    --raw_allocated_blocks;
    return;
  }
  PoolHeader* pool = PoolOf(p);
  Block* lastfree = pool->freeblock;
  NextFree(static_cast<Block*>(p)) = lastfree;
  pool->freeblock = static_cast<Block*>(p);
  --pool->ref.count;
  if (PYMALLOC_UNLIKELY(lastfree == nullptr)) {
    // The pool was full: link it at the front of its class's used pools.
    PoolHeader* sentinel = &usedpools[pool->szidx];
    PoolHeader* next = sentinel->nextpool;
    pool->nextpool = next;
    pool->prevpool = sentinel;
    next->prevpool = pool;
    sentinel->nextpool = pool;
    return;
  }
  if (PYMALLOC_LIKELY(pool->ref.count != 0)) return;
  InsertToFreepool(*this, pool);
}

void* Allocator::Realloc(void* p, std::size_t nbytes) {
  if (p == nullptr) return Malloc(nbytes);
  if (!AddressInRange(p)) return os_->RawRealloc(p, nbytes);
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
