// pymalloc: the malloc, free and realloc paths, pools, arenas and the ownership checks.
//
// TODO(student): implement everything in this file. Read pymalloc/obmalloc.h first: its
// rules 1-9 are exactly what the tests check. CPython 3.12's Objects/obmalloc.c is the
// model (pymalloc_alloc, pymalloc_pool_extend, allocate_from_new_pool, new_arena,
// pymalloc_free, insert_to_usedpool, insert_to_freepool, address_in_range, arena_map_*,
// pymalloc_realloc).
//
// The header's Allocator has no room for private members of yours, and needs none: write
// helpers as functions in the anonymous namespace below that take an Allocator&. These are
// the ones the reference has, as a suggestion:
//
//   ArenaObject* NewArena(Allocator& a);                     rule 6, "a new arena"
//   Block* AllocateFromNewPool(Allocator& a, unsigned idx);  rule 4, last transition
//   void InsertToFreepool(Allocator& a, PoolHeader* pool);   rule 6, cases a-c
//   bool MapMarkUsed(Allocator& a, uintptr_t base, bool used);   rule 8
//   bool MapIsUsed(const Allocator& a, uintptr_t p);             rule 8
//
// Memory comes only from os_->MapArena / RawMalloc / RawRealloc / AllocNode and goes back
// only through UnmapArena / RawFree: the tests count every call.
#include "pymalloc/obmalloc.h"

#include <cstring>

#include "labkit/todo.h"

namespace pymalloc {
namespace {

// TODO(student): your helpers.

}  // namespace

void* Allocator::Malloc(std::size_t nbytes) {
  // TODO(student): rules 1, 3, 4 (CPython: _PyObject_Malloc / pymalloc_alloc).
  (void)nbytes;
  LABKIT_TODO("Allocator::Malloc");
}

bool Allocator::AddressInRange(const void* p) const {
  // TODO(student): rule 7 (small geometry) and rule 8 (geometry_.radix_tree).
  (void)p;
  LABKIT_TODO("Allocator::AddressInRange");
}

void Allocator::Free(void* p) {
  // TODO(student): rules 3, 4, 6 (CPython: _PyObject_Free / pymalloc_free).
  (void)p;
  LABKIT_TODO("Allocator::Free");
}

void* Allocator::Realloc(void* p, std::size_t nbytes) {
  // TODO(student): rule 9 (CPython: _PyObject_Realloc / pymalloc_realloc).
  (void)p;
  (void)nbytes;
  LABKIT_TODO("Allocator::Realloc");
}

}  // namespace pymalloc
