// The OS layer: arenas from mmap, raw blocks from malloc, everything counted.
#include "pymalloc/os_layer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pymalloc {
namespace {

// Every raw block carries a 16-byte header in front of it: its size and a tag, so that
// RawFree can reject a pointer it never handed out and the counters stay exact.
constexpr std::uint64_t kRawTag = 0x7261775f626c6f63;  // "raw_bloc"
constexpr std::size_t kRawHeader = 16;

struct RawHeader {
  std::uint64_t size;
  std::uint64_t tag;
};

[[noreturn]] void Die(const char* what, const void* p) {
  std::fprintf(stderr, "pymalloc OsLayer: %s (%p)\n", what, p);
  std::fflush(stderr);
  std::abort();
}

RawHeader* HeaderOf(void* p) {
  auto* h = reinterpret_cast<RawHeader*>(static_cast<char*>(p) - kRawHeader);
  if (h->tag != kRawTag) Die("RawFree/RawRealloc of a pointer RawMalloc did not return", p);
  return h;
}

}  // namespace

OsLayer::~OsLayer() {
  for (auto& [address, size] : arenas_) munmap(reinterpret_cast<void*>(address), size);
}

void OsLayer::NoteFootprint() {
  peak_arena_bytes_ = std::max(peak_arena_bytes_, arena_bytes_);
  peak_footprint_ = std::max(peak_footprint_, arena_bytes_ + raw_live_bytes_ + node_bytes_);
}

void* OsLayer::MapArena(std::size_t size) {
  if (arenas_.size() >= arena_limit_) return nullptr;
  // Over-map, then keep the `size` bytes at the wanted offset from a size-aligned address.
  std::size_t span = 2 * size + arena_offset_;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  auto start = reinterpret_cast<std::uintptr_t>(raw);
  std::uintptr_t base = (start + size - 1) / size * size + arena_offset_;
  if (base > start) munmap(raw, base - start);
  std::uintptr_t end = start + span;
  if (end > base + size) munmap(reinterpret_cast<void*>(base + size), end - (base + size));
  arenas_.emplace(base, size);
  ++arenas_mapped_;
  arena_bytes_ += size;
  NoteFootprint();
  return reinterpret_cast<void*>(base);
}

void OsLayer::UnmapArena(void* address, std::size_t size) {
  auto it = arenas_.find(reinterpret_cast<std::uintptr_t>(address));
  if (it == arenas_.end() || it->second != size) {
    Die("UnmapArena of something MapArena did not return", address);
  }
  munmap(address, size);
  arenas_.erase(it);
  ++arenas_unmapped_;
  arena_bytes_ -= size;
}

bool OsLayer::InLiveArena(const void* p, std::size_t size) const {
  auto at = reinterpret_cast<std::uintptr_t>(p);
  auto it = arenas_.upper_bound(at);
  if (it == arenas_.begin()) return false;
  --it;
  return at >= it->first && at + size <= it->first + it->second;
}

void* OsLayer::RawMalloc(std::size_t size) {
  auto* h = static_cast<RawHeader*>(std::malloc(kRawHeader + size));
  if (h == nullptr) return nullptr;
  h->size = size;
  h->tag = kRawTag;
  ++raw_calls_;
  ++raw_live_blocks_;
  raw_live_bytes_ += size;
  NoteFootprint();
  return reinterpret_cast<char*>(h) + kRawHeader;
}

void* OsLayer::RawRealloc(void* p, std::size_t size) {
  if (p == nullptr) return RawMalloc(size);
  RawHeader* h = HeaderOf(p);
  std::size_t old = h->size;
  auto* moved = static_cast<RawHeader*>(std::realloc(h, kRawHeader + size));
  if (moved == nullptr) return nullptr;
  ++raw_calls_;
  moved->size = size;
  raw_live_bytes_ = raw_live_bytes_ - old + size;
  NoteFootprint();
  return reinterpret_cast<char*>(moved) + kRawHeader;
}

void OsLayer::RawFree(void* p) {
  if (p == nullptr) return;
  RawHeader* h = HeaderOf(p);
  h->tag = 0;
  --raw_live_blocks_;
  raw_live_bytes_ -= h->size;
  std::free(h);
}

void* OsLayer::AllocNode(std::size_t size) {
  void* p = std::calloc(1, size);
  if (p != nullptr) {
    node_bytes_ += size;
    NoteFootprint();
  }
  return p;
}

void OsLayer::FreeNode(void* p, std::size_t size) {
  if (p == nullptr) return;
  node_bytes_ -= size;
  std::free(p);
}

}  // namespace pymalloc
