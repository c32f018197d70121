// pymalloc/walkers.h: read-only views of an Allocator's lists (GIVEN).
//
// The tests use these to look at the student's data structures. Each walk gives up with
// a WalkError (instead of looping forever) when a list is longer than anything a correct
// allocator could build, or when a doubly linked list's back links are wrong.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <vector>

#include "pymalloc/obmalloc.h"

namespace pymalloc {

class WalkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The pools of usedpools[class_index], front to back (checks prevpool links).
std::vector<const PoolHeader*> UsedPools(const Allocator& a, unsigned class_index);

// usable_arenas, head to tail (checks prevarena links).
std::vector<const ArenaObject*> UsableArenas(const Allocator& a);

// An arena's freepools list, head first.
std::vector<const PoolHeader*> FreePools(const Allocator& a, const ArenaObject& arena);

// The blocks on a pool's free list, head first (not the never-used ones).
std::vector<const void*> FreeBlocks(const Allocator& a, const PoolHeader& pool);

// The index of `arena` in a.arenas.
std::size_t ArenaIndex(const Allocator& a, const ArenaObject* arena);

}  // namespace pymalloc
