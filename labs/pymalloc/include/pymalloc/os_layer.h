// pymalloc/os_layer.h: where pymalloc's memory comes from (GIVEN: students do not edit this).
//
// CPython takes arenas from the OS with mmap (_PyObject_ArenaMmap) and sends requests it
// does not serve itself to the "raw" allocator (PyMem_RawMalloc, i.e. malloc). Here both go
// through an OsLayer, which counts everything it hands out: live arenas and their bytes,
// the peak, raw blocks and their bytes. The tests and the performance scoring read these
// counters, never the allocator's own.
//
// Arenas are placed deterministically: each arena's address is congruent to
// arena_offset() modulo the arena size (0 by default: arena-aligned, hence pool-aligned).
// Tests set a page-multiple offset to get arenas that are not pool-aligned (rule 6's 63
// pools) and that straddle two radix-tree slots (rule 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace pymalloc {

class OsLayer {
 public:
  OsLayer() = default;
  ~OsLayer();
  OsLayer(const OsLayer&) = delete;
  OsLayer& operator=(const OsLayer&) = delete;

  // Arenas: `size` bytes of zeroed, page-aligned memory, or nullptr when the test's
  // budget (SetArenaLimit) is used up. UnmapArena must get exactly what MapArena gave.
  void* MapArena(std::size_t size);
  void UnmapArena(void* address, std::size_t size);

  // Raw blocks (CPython's PyMem_RawMalloc family): 16-byte aligned; RawMalloc(0) returns a
  // unique non-null block. RawFree(nullptr) does nothing. Passing anything else that
  // RawMalloc/RawRealloc did not return aborts the program with a message.
  void* RawMalloc(std::size_t size);
  void* RawRealloc(void* p, std::size_t size);
  void RawFree(void* p);

  // Radix-tree nodes: zeroed memory (released by the Allocator's destructor).
  void* AllocNode(std::size_t size);
  void FreeNode(void* p, std::size_t size);

  // Placement of the next arenas (see above); a multiple of 4096 below the arena size.
  void SetArenaOffset(std::size_t offset) { arena_offset_ = offset; }
  std::size_t arena_offset() const { return arena_offset_; }
  // At most `n` arenas alive at once (MapArena then returns nullptr); default unlimited.
  void SetArenaLimit(std::size_t n) { arena_limit_ = n; }

  // Is [p, p + size) inside one live arena?
  bool InLiveArena(const void* p, std::size_t size) const;

  // Counters.
  std::size_t live_arenas() const { return arenas_.size(); }
  std::size_t arenas_mapped() const { return arenas_mapped_; }      // ever
  std::size_t arenas_unmapped() const { return arenas_unmapped_; }  // ever
  std::size_t arena_bytes() const { return arena_bytes_; }          // live
  std::size_t peak_arena_bytes() const { return peak_arena_bytes_; }
  std::size_t raw_live_blocks() const { return raw_live_blocks_; }
  std::size_t raw_live_bytes() const { return raw_live_bytes_; }
  std::size_t raw_calls() const { return raw_calls_; }  // RawMalloc + RawRealloc calls
  std::size_t node_bytes() const { return node_bytes_; }
  // Peak of arena_bytes + raw_live_bytes + node_bytes: the footprint scored for utilisation.
  std::size_t peak_footprint() const { return peak_footprint_; }

 private:
  void NoteFootprint();

  std::map<std::uintptr_t, std::size_t> arenas_;  // address -> size
  std::size_t arena_offset_ = 0;
  std::size_t arena_limit_ = SIZE_MAX;
  std::size_t arenas_mapped_ = 0;
  std::size_t arenas_unmapped_ = 0;
  std::size_t arena_bytes_ = 0;
  std::size_t peak_arena_bytes_ = 0;
  std::size_t raw_live_blocks_ = 0;
  std::size_t raw_live_bytes_ = 0;
  std::size_t raw_calls_ = 0;
  std::size_t node_bytes_ = 0;
  std::size_t peak_footprint_ = 0;
};

}  // namespace pymalloc
