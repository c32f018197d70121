// Reference solution: the numbers behind sys._debugmallocstats() (pymalloc/obmalloc.h
// rule 10), after CPython's _PyObject_DebugMallocStats.
#include "pymalloc/obmalloc.h"

namespace pymalloc {

Stats Allocator::GetStats() const {
  const Geometry& g = geometry_;
  Stats s;
  s.pool_size = g.pool_size;
  s.arena_size = g.arena_size;
  s.arenas_allocated_total = ntimes_arena_allocated;
  s.arenas_current = narenas_currently_allocated;
  s.arenas_reclaimed = ntimes_arena_allocated - narenas_currently_allocated;
  s.arenas_highwater = narenas_highwater;
  s.raw_allocated_blocks = raw_allocated_blocks;

  for (const ArenaObject& arena : arenas) {
    if (arena.address == 0) continue;
    std::uintptr_t base = arena.address;
    if ((base & (g.pool_size - 1)) != 0) {
      s.arena_alignment_bytes += g.pool_size;
      base = (base & ~(g.pool_size - 1)) + g.pool_size;
    }
    s.unused_pools += arena.nfreepools;
    // Every pool carved so far: in use, or empty on freepools (counted as unused above).
    auto end = reinterpret_cast<std::uintptr_t>(arena.pool_address);
    for (std::uintptr_t at = base; at < end; at += g.pool_size) {
      const auto* pool = reinterpret_cast<const PoolHeader*>(at);
      if (pool->ref.count == 0) continue;
      ClassStats& k = s.classes[pool->szidx];
      ++k.pools;
      k.blocks_in_use += pool->ref.count;
      k.blocks_available += BlocksPerPool(pool->szidx) - pool->ref.count;
    }
  }
  for (unsigned c = 0; c < kNumSizeClasses; ++c) {
    const ClassStats& k = s.classes[c];
    std::size_t size = ClassSize(c);
    s.allocated_bytes += k.blocks_in_use * size;
    s.available_bytes += k.blocks_available * size;
    s.pool_header_bytes += k.pools * kPoolOverhead;
    s.quantization_bytes += k.pools * ((g.pool_size - kPoolOverhead) % size);
  }
  return s;
}

}  // namespace pymalloc
