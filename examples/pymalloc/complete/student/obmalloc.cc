// pymalloc, written from the handout and pymalloc/obmalloc.h (rules 1-9).
//
// Layout of this file: small inline helpers for blocks and pool lists, then the arena
// machinery (growing the table, mapping, the usable_arenas order, release), the radix tree,
// and finally the five Allocator members. The usable_arenas order (rule 6 c) is kept by a
// short forward scan from the arena that changed instead of CPython's nfp2lasta fingers:
// only the arenas that shared its old count are stepped over, and there are few of them.
#include "pymalloc/obmalloc.h"

#include <algorithm>
#include <cstring>

namespace pymalloc {
namespace {

constexpr std::uintptr_t kRadixSlotMask = (std::uintptr_t{1} << kRadixArenaBits) - 1;

// ---- blocks and pools ---------------------------------------------------------------

// The link a free block stores in its first bytes.
Block*& NextFree(Block* b) { return *reinterpret_cast<Block**>(b); }

Block* PoolBase(PoolHeader* pool) { return reinterpret_cast<Block*>(pool); }

// Puts `pool` first in the circular list headed by `head`.
void PushFront(PoolHeader* head, PoolHeader* pool) {
  PoolHeader* old_first = head->nextpool;
  pool->prevpool = head;
  pool->nextpool = old_first;
  old_first->prevpool = pool;
  head->nextpool = pool;
}

// Takes `pool` out of whatever usedpools list it is on.
void Detach(PoolHeader* pool) {
  PoolHeader* before = pool->prevpool;
  PoolHeader* after = pool->nextpool;
  before->nextpool = after;
  after->prevpool = before;
}

// Hands out the head of a used pool's free list. When the list runs dry, the next
// never-carved block (if any) becomes the new head; with none left the pool is full and
// leaves its usedpools list (rule 3, rule 4 "used -> full").
Block* TakeBlock(PoolHeader* pool, std::size_t size) {
  Block* b = pool->freeblock;
  ++pool->ref.count;
  Block* next = NextFree(b);
  if (next == nullptr) {
    if (pool->nextoffset <= pool->maxnextoffset) {
      next = PoolBase(pool) + pool->nextoffset;
      pool->nextoffset += static_cast<std::uint32_t>(size);
      NextFree(next) = nullptr;
    } else {
      Detach(pool);
    }
  }
  pool->freeblock = next;
  return b;
}

// ---- the arena table and usable_arenas ----------------------------------------------

std::uint32_t IndexOf(const Allocator& a, const ArenaObject* ao) {
  return static_cast<std::uint32_t>(ao - a.arenas.data());
}

// Adds fresh ArenaObjects (16, then twice as many as there are), strings them onto
// unused_arena_objects in index order and returns the first. Only called when that list is
// empty and no arena is usable, so no pointer into the old vector is still in use.
ArenaObject* GrowArenaTable(Allocator& a) {
  const std::size_t before = a.arenas.size();
  a.arenas.resize(before == 0 ? kInitialArenaObjects : 2 * before, ArenaObject{});
  ArenaObject* const first = a.arenas.data() + before;
  ArenaObject* const end = a.arenas.data() + a.arenas.size();
  for (ArenaObject* ao = first; ao != end; ++ao) {
    ao->address = 0;
    ao->prevarena = nullptr;
    ao->nextarena = ao + 1 == end ? nullptr : ao + 1;
  }
  a.unused_arena_objects = first;
  return first;
}

bool MarkArena(Allocator& a, std::uintptr_t base, bool used);

// Maps a new arena into an unused ArenaObject and makes it the only usable arena; nullptr
// when the OS has no memory for it (the ArenaObject then stays unused).
ArenaObject* OpenArena(Allocator& a) {
  ArenaObject* ao = a.unused_arena_objects;
  if (ao == nullptr) {
    ao = GrowArenaTable(a);
  }
  const Geometry& g = a.geometry();
  void* memory = a.os().MapArena(g.arena_size);
  if (memory == nullptr) {
    return nullptr;
  }
  auto base = reinterpret_cast<std::uintptr_t>(memory);
  if (g.radix_tree && !MarkArena(a, base, true)) {
    a.os().UnmapArena(memory, g.arena_size);
    return nullptr;
  }
  a.unused_arena_objects = ao->nextarena;

  std::uintptr_t first_pool = (base + g.pool_size - 1) & ~(g.pool_size - 1);
  auto pools = static_cast<std::uint32_t>(g.MaxPoolsInArena());
  if (first_pool != base) {
    --pools;  // the partial pools at both ends are lost
  }
  ao->address = base;
  ao->pool_address = reinterpret_cast<Block*>(first_pool);
  ao->nfreepools = pools;
  ao->ntotalpools = pools;
  ao->freepools = nullptr;
  ao->nextarena = nullptr;
  ao->prevarena = nullptr;

  ++a.ntimes_arena_allocated;
  ++a.narenas_currently_allocated;
  a.narenas_highwater = std::max(a.narenas_highwater, a.narenas_currently_allocated);
  a.usable_arenas = ao;
  return ao;
}

// Takes `ao` out of usable_arenas.
void UnlinkUsable(Allocator& a, ArenaObject* ao) {
  if (ao->prevarena != nullptr) {
    ao->prevarena->nextarena = ao->nextarena;
  } else {
    a.usable_arenas = ao->nextarena;
  }
  if (ao->nextarena != nullptr) {
    ao->nextarena->prevarena = ao->prevarena;
  }
}

// Puts `ao` into usable_arenas right after `where` (nullptr: at the head).
void LinkUsableAfter(Allocator& a, ArenaObject* where, ArenaObject* ao) {
  ArenaObject* follower = where == nullptr ? a.usable_arenas : where->nextarena;
  ao->prevarena = where;
  ao->nextarena = follower;
  if (follower != nullptr) {
    follower->prevarena = ao;
  }
  if (where == nullptr) {
    a.usable_arenas = ao;
  } else {
    where->nextarena = ao;
  }
}

// Gives a wholly free arena back to the OS (rule 6 a). It must already be off
// usable_arenas.
void CloseArena(Allocator& a, ArenaObject* ao) {
  const Geometry& g = a.geometry();
  if (g.radix_tree) {
    MarkArena(a, ao->address, false);
  }
  a.os().UnmapArena(reinterpret_cast<void*>(ao->address), g.arena_size);
  ao->address = 0;
  ao->freepools = nullptr;
  ao->prevarena = nullptr;
  ao->nextarena = a.unused_arena_objects;
  a.unused_arena_objects = ao;
  --a.narenas_currently_allocated;
}

// `ao` just gained a free pool (rule 6, cases a-c). Before the change it was either full
// (in no list) or in usable_arenas with one pool fewer.
void ArenaGainedPool(Allocator& a, ArenaObject* ao) {
  std::uint32_t now = ao->nfreepools;
  if (now == 1) {
    // It was full, so it is in no list.
    if (now == ao->ntotalpools && a.usable_arenas != nullptr) {
      CloseArena(a, ao);  // a one-pool arena that is wholly free, and not the last
    } else {
      LinkUsableAfter(a, nullptr, ao);
    }
    return;
  }
  if (now == ao->ntotalpools && ao->nextarena != nullptr) {
    UnlinkUsable(a, ao);
    CloseArena(a, ao);
    return;
  }
  // Step over the arenas right behind `ao` that still have its old count.
  ArenaObject* last_equal = ao;
  while (last_equal->nextarena != nullptr && last_equal->nextarena->nfreepools == now - 1) {
    last_equal = last_equal->nextarena;
  }
  if (last_equal != ao) {
    UnlinkUsable(a, ao);
    LinkUsableAfter(a, last_equal, ao);
  }
}

// A pool for class `idx` from the head of usable_arenas (opening an arena if there is no
// usable one), initialised or reused as rule 4 says, linked as the only used pool of its
// class, with one block handed out. nullptr when no arena can be had.
Block* BlockFromFreshPool(Allocator& a, unsigned idx) {
  ArenaObject* ao = a.usable_arenas;
  if (ao == nullptr) {
    ao = OpenArena(a);
    if (ao == nullptr) {
      return nullptr;
    }
  }
  const std::size_t pool_size = a.geometry().pool_size;
  PoolHeader* pool = ao->freepools;
  if (pool != nullptr) {
    ao->freepools = pool->nextpool;
  } else {
    pool = reinterpret_cast<PoolHeader*>(ao->pool_address);
    ao->pool_address += pool_size;
    pool->arenaindex = IndexOf(a, ao);
    pool->szidx = kDummySizeIndex;
  }
  if (--ao->nfreepools == 0) {
    UnlinkUsable(a, ao);  // it is the head: stays sorted
  }

  PushFront(&a.usedpools[idx], pool);
  const std::size_t size = ClassSize(idx);
  if (pool->szidx == idx && pool->freeblock != nullptr) {
    // An empty pool that served this class before: its free list is still good.
    return TakeBlock(pool, size);
  }
  pool->szidx = idx;
  pool->ref.count = 1;
  Block* first = PoolBase(pool) + kPoolOverhead;
  Block* second = first + size;
  NextFree(second) = nullptr;
  pool->freeblock = second;
  pool->nextoffset = static_cast<std::uint32_t>(kPoolOverhead + 2 * size);
  pool->maxnextoffset = static_cast<std::uint32_t>(pool_size - size);
  return first;
}

// A block of this allocator came back and its pool has no block in use any more.
void PoolEmptied(Allocator& a, PoolHeader* pool, bool was_full) {
  if (!was_full) {
    Detach(pool);
  }
  ArenaObject* ao = &a.arenas[pool->arenaindex];
  pool->nextpool = ao->freepools;
  ao->freepools = pool;
  ++ao->nfreepools;
  ArenaGainedPool(a, ao);
}

// ---- the radix tree (rule 8) ----------------------------------------------------------

struct RadixKey {
  unsigned top;
  unsigned mid;
  unsigned bottom;
};

RadixKey KeyOf(std::uintptr_t address) {
  std::uintptr_t bits = address >> kRadixArenaBits;
  RadixKey key{};
  key.bottom = static_cast<unsigned>(bits & ((1u << kMapBotBits) - 1));
  bits >>= kMapBotBits;
  key.mid = static_cast<unsigned>(bits & ((1u << kMapMidBits) - 1));
  bits >>= kMapMidBits;
  key.top = static_cast<unsigned>(bits & ((1u << kMapTopBits) - 1));
  return key;
}

// The coverage slot of `address`'s 1 MiB ideal slot, making missing nodes on the way;
// nullptr if a node cannot be had.
ArenaCoverage* SlotMaking(Allocator& a, std::uintptr_t address) {
  RadixKey key = KeyOf(address);
  RadixMid*& mid = a.arena_map_root.ptrs[key.top];
  if (mid == nullptr) {
    mid = static_cast<RadixMid*>(a.os().AllocNode(sizeof(RadixMid)));
    if (mid == nullptr) {
      return nullptr;
    }
  }
  RadixBottom*& bottom = mid->ptrs[key.mid];
  if (bottom == nullptr) {
    bottom = static_cast<RadixBottom*>(a.os().AllocNode(sizeof(RadixBottom)));
    if (bottom == nullptr) {
      return nullptr;
    }
  }
  return &bottom->arenas[key.bottom];
}

// The same without making anything: nullptr when the path does not exist.
const ArenaCoverage* SlotFound(const Allocator& a, std::uintptr_t address) {
  RadixKey key = KeyOf(address);
  const RadixMid* mid = a.arena_map_root.ptrs[key.top];
  if (mid == nullptr) {
    return nullptr;
  }
  const RadixBottom* bottom = mid->ptrs[key.mid];
  if (bottom == nullptr) {
    return nullptr;
  }
  return &bottom->arenas[key.bottom];
}

// Records (used) or forgets (!used) the arena at `base` in the tree. Both slots are found
// before either is written, so a failure leaves the tree as it was.
bool MarkArena(Allocator& a, std::uintptr_t base, bool used) {
  auto tail = static_cast<std::int32_t>(base & kRadixSlotMask);
  ArenaCoverage* own = SlotMaking(a, base);
  if (own == nullptr) {
    return false;
  }
  ArenaCoverage* spill = nullptr;
  if (tail != 0) {
    spill = SlotMaking(a, base + a.geometry().arena_size);
    if (spill == nullptr) {
      return false;
    }
  }
  if (tail == 0) {
    own->tail_hi = used ? -1 : 0;
  } else {
    own->tail_hi = used ? tail : 0;
    spill->tail_lo = used ? tail : 0;
  }
  return true;
}

}  // namespace

void* Allocator::Malloc(std::size_t nbytes) {
  // One unsigned comparison rejects both 0 (wraps around) and everything above 512.
  if (nbytes - 1 < kSmallRequestThreshold) {
    const auto idx = static_cast<unsigned>((nbytes - 1) >> kAlignmentShift);
    PoolHeader* head = &usedpools[idx];
    PoolHeader* pool = head->nextpool;
    Block* b = pool != head ? TakeBlock(pool, ClassSize(idx)) : BlockFromFreshPool(*this, idx);
    if (b != nullptr) {
      return b;
    }
  }
  void* raw = os_->RawMalloc(nbytes);
  if (raw != nullptr) {
    ++raw_allocated_blocks;
  }
  return raw;
}

bool Allocator::AddressInRange(const void* p) const {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  if (geometry_.radix_tree) {
    const ArenaCoverage* slot = SlotFound(*this, at);
    if (slot == nullptr) {
      return false;
    }
    const auto tail = static_cast<std::int32_t>(at & kRadixSlotMask);
    return tail < slot->tail_lo || (slot->tail_hi != 0 && tail >= slot->tail_hi);
  }
  if (p == nullptr) {
    return false;  // its "pool" would be page 0, which cannot be read
  }
  const std::uint32_t index = ReadArenaIndex(PoolOf(p));
  if (index >= arenas.size()) {
    return false;
  }
  const std::uintptr_t start = arenas[index].address;
  return start != 0 && at - start < geometry_.arena_size;
}

void Allocator::Free(void* p) {
  if (p == nullptr) {
    return;
  }
  if (!AddressInRange(p)) {
    os_->RawFree(p);
    --raw_allocated_blocks;
    return;
  }
  auto* b = static_cast<Block*>(p);
  PoolHeader* pool = PoolOf(p);
  const bool was_full = pool->freeblock == nullptr;
  NextFree(b) = pool->freeblock;
  pool->freeblock = b;
  if (--pool->ref.count == 0) {
    PoolEmptied(*this, pool, was_full);
  } else if (was_full) {
    PushFront(&usedpools[pool->szidx], pool);  // full -> used, at the front
  }
}

void* Allocator::Realloc(void* p, std::size_t nbytes) {
  if (p == nullptr) {
    return Malloc(nbytes);
  }
  if (!AddressInRange(p)) {
    return os_->RawRealloc(p, nbytes);
  }
  const std::size_t have = ClassSize(PoolOf(p)->szidx);
  if (nbytes <= have && 4 * nbytes > 3 * have) {
    return p;
  }
  void* moved = Malloc(nbytes);
  if (moved != nullptr) {
    std::memcpy(moved, p, std::min(nbytes, have));
    Free(p);
  }
  return moved;
}

}  // namespace pymalloc
