// pymalloc: GetStats (rule 10), written from pymalloc/obmalloc.h's comment on Stats.
//
// Every arena that has memory is visited; in it, the pools carved so far are those below
// pool_address. A carved pool is either in use (count > 0) or on freepools (count 0, and
// already counted among nfreepools with the never-carved ones).
#include "pymalloc/obmalloc.h"

namespace pymalloc {
namespace {

// Adds one pool in use of class `idx` holding `in_use` blocks to the totals.
void CountPoolInUse(Stats& s, const Allocator& a, unsigned idx, std::size_t in_use) {
  const std::size_t block = ClassSize(idx);
  const std::size_t capacity = a.BlocksPerPool(idx);
  ClassStats& k = s.classes[idx];
  ++k.pools;
  k.blocks_in_use += in_use;
  k.blocks_available += capacity - in_use;
  s.allocated_bytes += in_use * block;
  s.available_bytes += (capacity - in_use) * block;
  s.pool_header_bytes += kPoolOverhead;
  s.quantization_bytes += (s.pool_size - kPoolOverhead) % block;
}

}  // namespace

Stats Allocator::GetStats() const {
  Stats s;
  s.pool_size = geometry_.pool_size;
  s.arena_size = geometry_.arena_size;

  for (const ArenaObject& ao : arenas) {
    if (ao.address == 0) {
      continue;
    }
    const std::uintptr_t first =
        (ao.address + geometry_.pool_size - 1) & ~(geometry_.pool_size - 1);
    if (first != ao.address) {
      s.arena_alignment_bytes += geometry_.pool_size;
    }
    s.unused_pools += ao.nfreepools;
    const auto carved_end = reinterpret_cast<std::uintptr_t>(ao.pool_address);
    for (std::uintptr_t at = first; at < carved_end; at += geometry_.pool_size) {
      const auto* pool = reinterpret_cast<const PoolHeader*>(at);
      if (pool->ref.count != 0) {
        CountPoolInUse(s, *this, pool->szidx, pool->ref.count);
      }
    }
  }

  // The counters the allocator keeps as it goes.
  s.arenas_current = narenas_currently_allocated;
  s.arenas_allocated_total = ntimes_arena_allocated;
  s.arenas_reclaimed = s.arenas_allocated_total - s.arenas_current;
  s.arenas_highwater = narenas_highwater;
  s.raw_allocated_blocks = raw_allocated_blocks;
  return s;
}

}  // namespace pymalloc
