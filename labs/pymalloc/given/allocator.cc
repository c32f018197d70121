// The given parts of Allocator: construction, destruction, the unchecked arenaindex read,
// and the stats text.
#include <cstdio>
#include <stdexcept>

#include "pymalloc/obmalloc.h"

namespace pymalloc {
namespace {

bool IsPowerOfTwo(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// 1234567 -> "1,234,567" (CPython's stats print byte counts this way).
std::string Grouped(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// snprintf into a std::string.
template <typename... Args>
std::string Printf(const char* format, Args... args) {
  char line[160];
  std::snprintf(line, sizeof(line), format, args...);
  return line;
}

}  // namespace

Allocator::Allocator(Geometry geometry, OsLayer* os) : geometry_(geometry), os_(os) {
  if (!IsPowerOfTwo(geometry.pool_size) || !IsPowerOfTwo(geometry.arena_size) ||
      geometry.arena_size < 2 * geometry.pool_size || geometry.pool_size < 4096) {
    throw std::invalid_argument("pymalloc: bad geometry");
  }
  if (geometry.radix_tree && geometry.arena_size != (std::size_t{1} << kRadixArenaBits)) {
    throw std::invalid_argument("pymalloc: the radix tree needs 1 MiB arenas");
  }
  if (os_ == nullptr) os_ = owned_os_ = new OsLayer();
  for (PoolHeader& sentinel : usedpools) {
    sentinel = PoolHeader{};
    sentinel.nextpool = sentinel.prevpool = &sentinel;
    sentinel.szidx = kDummySizeIndex;
  }
  nfp2lasta.assign(geometry.MaxPoolsInArena() + 1, nullptr);
}

Allocator::~Allocator() {
  for (ArenaObject& arena : arenas) {
    if (arena.address != 0) {
      os_->UnmapArena(reinterpret_cast<void*>(arena.address), geometry_.arena_size);
      arena.address = 0;
    }
  }
  for (RadixMid*& mid : arena_map_root.ptrs) {
    if (mid == nullptr) continue;
    for (RadixBottom*& bottom : mid->ptrs) {
      os_->FreeNode(bottom, sizeof(RadixBottom));
      bottom = nullptr;
    }
    os_->FreeNode(mid, sizeof(RadixMid));
    mid = nullptr;
  }
  delete owned_os_;
}

// p's pool header may be any memory at all when p is a raw block (rule 7); the read is
// deliberate, and so is telling AddressSanitizer (and UBSan's alignment and object-size
// checks) not to look.
__attribute__((no_sanitize("address", "undefined"), noinline)) std::uint32_t
Allocator::ReadArenaIndex(const PoolHeader* pool) {
  return *reinterpret_cast<const volatile std::uint32_t*>(&pool->arenaindex);
}

std::string FormatStats(const Stats& s) {
  std::string out = Printf("Small block threshold = %zu, in %u size classes.\n\n",
                           kSmallRequestThreshold, kNumSizeClasses);
  out += "class   size   num pools   blocks in use  avail blocks\n";
  out += "-----   ----   ---------   -------------  ------------\n";
  std::size_t pools_in_use = 0;
  for (unsigned c = 0; c < kNumSizeClasses; ++c) {
    const ClassStats& k = s.classes[c];
    pools_in_use += k.pools;
    if (k.pools == 0) continue;
    out += Printf("%5u %6zu %11zu %15zu %13zu\n", c, ClassSize(c), k.pools, k.blocks_in_use,
                  k.blocks_available);
  }
  auto line = [&out](const std::string& label, std::size_t value) {
    out += Printf("%-35s= %21s\n", label.c_str(), Grouped(value).c_str());
  };
  out += "\n";
  line("# arenas allocated total", s.arenas_allocated_total);
  line("# arenas reclaimed", s.arenas_reclaimed);
  line("# arenas highwater mark", s.arenas_highwater);
  line("# arenas allocated current", s.arenas_current);
  std::size_t arena_bytes = s.arenas_current * s.arena_size;
  line(Printf("%zu arenas * %zu bytes/arena", s.arenas_current, s.arena_size), arena_bytes);
  out += "\n";
  line("# bytes in allocated blocks", s.allocated_bytes);
  line("# bytes in available blocks", s.available_bytes);
  line(Printf("%zu unused pools * %zu bytes", s.unused_pools, s.pool_size),
       s.unused_pools * s.pool_size);
  line("# bytes lost to pool headers", s.pool_header_bytes);
  line("# bytes lost to quantization", s.quantization_bytes);
  line("# bytes lost to arena alignment", s.arena_alignment_bytes);
  std::size_t total = s.allocated_bytes + s.available_bytes + s.unused_pools * s.pool_size +
                      s.pool_header_bytes + s.quantization_bytes + s.arena_alignment_bytes;
  line("Total", total);
  out += Printf("\n%zu pools in use, %zu raw blocks\n", pools_in_use, s.raw_allocated_blocks);
  return out;
}

}  // namespace pymalloc
