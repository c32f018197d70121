// A first attempt at pymalloc: one size class path, arenas taken from the OS, rule 7 only.
//
// The mistake: the helper NewArena below reaches into Allocator's private members (os_ and
// geometry_) as if it were a member function. Helpers in the anonymous namespace are free
// functions; they must use the public accessors a.os() and a.geometry().
#include "pymalloc/obmalloc.h"

#include <algorithm>
#include <cstring>

#include "labkit/todo.h"

namespace pymalloc {
namespace {

ArenaObject* NewArena(Allocator& a) {
  if (a.unused_arena_objects == nullptr) {
    std::size_t old_size = a.arenas.size();
    std::size_t new_size = old_size == 0 ? kInitialArenaObjects : old_size * 2;
    a.arenas.resize(new_size);
    for (std::size_t i = old_size; i + 1 < new_size; ++i) {
      a.arenas[i].nextarena = &a.arenas[i + 1];
    }
    a.unused_arena_objects = &a.arenas[old_size];
  }
  void* memory = a.os_->MapArena(a.geometry_.arena_size);
  if (memory == nullptr) {
    return nullptr;
  }
  ArenaObject* arena = a.unused_arena_objects;
  a.unused_arena_objects = arena->nextarena;
  arena->address = reinterpret_cast<std::uintptr_t>(memory);
  arena->pool_address = static_cast<Block*>(memory);
  arena->nfreepools = static_cast<std::uint32_t>(a.geometry().MaxPoolsInArena());
  arena->ntotalpools = arena->nfreepools;
  arena->freepools = nullptr;
  arena->nextarena = nullptr;
  arena->prevarena = nullptr;
  a.narenas_currently_allocated++;
  a.ntimes_arena_allocated++;
  a.narenas_highwater = std::max(a.narenas_highwater, a.narenas_currently_allocated);
  return arena;
}

}  // namespace

void* Allocator::Malloc(std::size_t nbytes) {
  if (nbytes == 0 || nbytes > kSmallRequestThreshold) {
    raw_allocated_blocks++;
    return os_->RawMalloc(nbytes);
  }
  unsigned index = static_cast<unsigned>((nbytes - 1) >> kAlignmentShift);
  PoolHeader* pool = usedpools[index].nextpool;
  if (pool == &usedpools[index]) {
    if (usable_arenas == nullptr) {
      usable_arenas = NewArena(*this);
    }
    // TODO: take a pool from usable_arenas and initialise it (rule 4).
    LABKIT_TODO("Allocator::Malloc (new pool)");
  }
  Block* block = pool->freeblock;
  pool->ref.count++;
  pool->freeblock = *reinterpret_cast<Block**>(block);
  return block;
}

bool Allocator::AddressInRange(const void* p) const {
  std::uint32_t index = ReadArenaIndex(PoolOf(p));
  return index < arenas.size() && arenas[index].address != 0 &&
         reinterpret_cast<std::uintptr_t>(p) - arenas[index].address < geometry_.arena_size;
}

void Allocator::Free(void* p) {
  if (p == nullptr) {
    return;
  }
  if (!AddressInRange(p)) {
    raw_allocated_blocks--;
    os_->RawFree(p);
    return;
  }
  PoolHeader* pool = PoolOf(p);
  *static_cast<Block**>(p) = pool->freeblock;
  pool->freeblock = static_cast<Block*>(p);
  pool->ref.count--;
}

void* Allocator::Realloc(void* p, std::size_t nbytes) {
  (void)p;
  (void)nbytes;
  LABKIT_TODO("Allocator::Realloc");
}

}  // namespace pymalloc
