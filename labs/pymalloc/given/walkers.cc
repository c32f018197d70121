// Read-only walks over an Allocator's lists, bounded so that a broken list fails a test
// instead of hanging it.
#include "pymalloc/walkers.h"

#include <sstream>
#include <string>

namespace pymalloc {
namespace {

// Concatenates its arguments as text.
template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

// No correct list is longer than this: every pool of every possible arena.
std::size_t MaxPools(const Allocator& a) {
  return (a.arenas.size() + 1) * a.geometry().MaxPoolsInArena() + 1;
}

}  // namespace

std::vector<const PoolHeader*> UsedPools(const Allocator& a, unsigned class_index) {
  if (class_index >= kNumSizeClasses) throw WalkError("no such size class");
  const PoolHeader* sentinel = &a.usedpools[class_index];
  std::vector<const PoolHeader*> pools;
  const PoolHeader* prev = sentinel;
  for (const PoolHeader* p = sentinel->nextpool; p != sentinel; p = p->nextpool) {
    if (p == nullptr) throw WalkError(Cat("usedpools[", class_index, "]: null nextpool"));
    if (p->prevpool != prev) {
      throw WalkError(Cat("usedpools[", class_index, "]: a pool's prevpool is wrong"));
    }
    pools.push_back(p);
    if (pools.size() > MaxPools(a)) {
      throw WalkError(Cat("usedpools[", class_index, "]: the list does not end"));
    }
    prev = p;
  }
  if (sentinel->prevpool != prev) {
    throw WalkError(Cat("usedpools[", class_index, "]: the sentinel's prevpool is wrong"));
  }
  return pools;
}

std::vector<const ArenaObject*> UsableArenas(const Allocator& a) {
  std::vector<const ArenaObject*> out;
  const ArenaObject* prev = nullptr;
  for (const ArenaObject* ao = a.usable_arenas; ao != nullptr; ao = ao->nextarena) {
    if (ao->prevarena != prev) throw WalkError("usable_arenas: an arena's prevarena is wrong");
    out.push_back(ao);
    if (out.size() > a.arenas.size()) throw WalkError("usable_arenas: the list does not end");
    prev = ao;
  }
  return out;
}

std::vector<const PoolHeader*> FreePools(const Allocator& a, const ArenaObject& arena) {
  std::vector<const PoolHeader*> out;
  for (const PoolHeader* p = arena.freepools; p != nullptr; p = p->nextpool) {
    out.push_back(p);
    if (out.size() > a.geometry().MaxPoolsInArena()) {
      throw WalkError("freepools: the list does not end");
    }
  }
  return out;
}

std::vector<const void*> FreeBlocks(const Allocator& a, const PoolHeader& pool) {
  std::vector<const void*> out;
  auto base = reinterpret_cast<std::uintptr_t>(&pool);
  std::size_t limit = a.geometry().pool_size / kAlignment;
  for (const Block* b = pool.freeblock; b != nullptr;
       b = *reinterpret_cast<const Block* const*>(b)) {
    auto at = reinterpret_cast<std::uintptr_t>(b);
    if (at < base + kPoolOverhead || at >= base + a.geometry().pool_size) {
      throw WalkError("free list: a block outside its pool");
    }
    out.push_back(b);
    if (out.size() > limit) throw WalkError("free list: the list does not end");
  }
  return out;
}

std::size_t ArenaIndex(const Allocator& a, const ArenaObject* arena) {
  if (arena < a.arenas.data() || arena >= a.arenas.data() + a.arenas.size()) {
    throw WalkError("not an arena object of this allocator");
  }
  return static_cast<std::size_t>(arena - a.arenas.data());
}

}  // namespace pymalloc
