// Allocation traces for the pymalloc tests, the performance scoring and the benchmark.
//
// A trace (labs/pymalloc/traces/README.md) is a list of events on blocks named by ids:
//   a <id> <size>   allocate     r <id> <size>   reallocate     f <id>   free
// Python traces were recorded from real python3 runs (tools/traces/record.sh); synthetic
// ones are made here for edge cases.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pymalloc/obmalloc.h"

namespace pymalloc::traces {

struct Event {
  enum Kind : std::uint8_t { kAlloc, kRealloc, kFree } kind;
  std::uint32_t id;
  std::uint32_t size;  // 0 for kFree
};

struct Trace {
  std::string name;
  std::vector<Event> events;
  std::uint32_t num_ids = 0;  // ids are 0 .. num_ids - 1
};

// Parses trace text; throws std::runtime_error naming the line on a malformed one (an id
// used while not live, or allocated while live, is malformed too).
Trace Parse(std::string_view name, std::string_view text);

// The embedded Python traces: the public ones (labs/pymalloc/traces) ...
std::vector<std::string> PublicTraceNames();
Trace PublicTrace(std::string_view name);

// Synthetic traces for edge cases (deterministic).
Trace SyntheticBoundaries();     // every size 0..1100 and back, interleaved
Trace SyntheticReallocLadder();  // realloc chains growing and shrinking across classes
Trace SyntheticArenaChurn();     // fill several arenas, free in waves, refill
Trace SyntheticFullPools();      // fill pools exactly, free one block each, refill

// What a checked replay found. `error` is empty when everything held.
struct ReplayResult {
  std::string error;
  std::size_t events = 0;
  std::size_t peak_footprint = 0;  // OsLayer::peak_footprint
  std::size_t peak_arena_bytes = 0;
};

// Replays `trace` through `a`, checking every block: non-null, 16-byte aligned, small
// blocks (1..512 bytes) inside a live arena and raw ones not, no overlap with any live
// block, and the payload (a per-id fill pattern) intact at free and across realloc (the
// first min(old, new) bytes). Frees every block still live at the end, then checks that
// no raw block is left.
ReplayResult CheckedReplay(Allocator& a, const Trace& trace);

// Replays `trace` with no checks (for timing): malloc/realloc/free through the callbacks,
// blocks still live at the end freed. `slots` must have room for trace.num_ids pointers.
template <typename MallocFn, typename ReallocFn, typename FreeFn>
inline void FastReplay(const Trace& trace, void** slots, MallocFn&& malloc_fn,
                       ReallocFn&& realloc_fn, FreeFn&& free_fn) {
  for (const Event& e : trace.events) {
    switch (e.kind) {
      case Event::kAlloc:
        slots[e.id] = malloc_fn(e.size);
        break;
      case Event::kRealloc:
        slots[e.id] = realloc_fn(slots[e.id], e.size);
        break;
      case Event::kFree:
        free_fn(slots[e.id]);
        slots[e.id] = nullptr;
        break;
    }
  }
  for (std::uint32_t i = 0; i < trace.num_ids; ++i) {
    if (slots[i] != nullptr) {
      free_fn(slots[i]);
      slots[i] = nullptr;
    }
  }
}

}  // namespace pymalloc::traces
