#include "labs/pymalloc/tests/traces.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>

#include "labs/pymalloc/tests/embedded_traces.h"

namespace pymalloc::traces {
namespace {

// Concatenates its arguments as text.
template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

std::uint32_t Number(std::string_view& rest, std::string_view name, std::size_t line_no) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc()) {
    throw std::runtime_error(Cat("trace ", name, " line ", line_no, ": a number expected"));
  }
  rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
  return value;
}

// Synthetic traces are built with live-id bookkeeping so they are always well formed.
class Builder {
 public:
  explicit Builder(std::string name) { trace_.name = std::move(name); }
  std::uint32_t Alloc(std::uint32_t size) {
    std::uint32_t id;
    if (free_.empty()) {
      id = trace_.num_ids++;
    } else {
      id = free_.back();
      free_.pop_back();
    }
    trace_.events.push_back({Event::kAlloc, id, size});
    return id;
  }
  void Realloc(std::uint32_t id, std::uint32_t size) {
    trace_.events.push_back({Event::kRealloc, id, size});
  }
  void Free(std::uint32_t id) {
    trace_.events.push_back({Event::kFree, id, 0});
    free_.push_back(id);
  }
  Trace Done() { return std::move(trace_); }

 private:
  Trace trace_;
  std::vector<std::uint32_t> free_;
};

// A small deterministic generator (xorshift), so synthetic traces never change.
struct Rng {
  std::uint64_t state;
  std::uint32_t Next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::uint32_t>(state >> 11);
  }
  std::uint32_t Below(std::uint32_t n) { return Next() % n; }
};

std::uint8_t PatternByte(std::uint32_t id, std::uint32_t generation, std::size_t k) {
  return static_cast<std::uint8_t>(id * 131u + generation * 17u + k * 7u + 1u);
}

void Fill(void* p, std::size_t n, std::uint32_t id, std::uint32_t generation) {
  auto* b = static_cast<std::uint8_t*>(p);
  for (std::size_t k = 0; k < n; ++k) b[k] = PatternByte(id, generation, k);
}

// Index of the first byte of [p, p + n) that does not hold the pattern, or n.
std::size_t FirstBad(const void* p, std::size_t n, std::uint32_t id, std::uint32_t generation) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  for (std::size_t k = 0; k < n; ++k) {
    if (b[k] != PatternByte(id, generation, k)) return k;
  }
  return n;
}

}  // namespace

Trace Parse(std::string_view name, std::string_view text) {
  Trace trace;
  trace.name = std::string(name);
  std::vector<bool> live;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    char op = line.front();
    std::string_view rest = line.substr(1);
    Event e{};
    e.id = Number(rest, name, line_no);
    if (e.id >= live.size()) live.resize(e.id + 1, false);
    switch (op) {
      case 'a':
        e.kind = Event::kAlloc;
        e.size = Number(rest, name, line_no);
        if (live[e.id]) {
          throw std::runtime_error(
              Cat("trace ", name, " line ", line_no, ": id ", e.id, " is already live"));
        }
        live[e.id] = true;
        break;
      case 'r':
        e.kind = Event::kRealloc;
        e.size = Number(rest, name, line_no);
        if (!live[e.id]) {
          throw std::runtime_error(
              Cat("trace ", name, " line ", line_no, ": id ", e.id, " is not live"));
        }
        break;
      case 'f':
        e.kind = Event::kFree;
        if (!live[e.id]) {
          throw std::runtime_error(
              Cat("trace ", name, " line ", line_no, ": id ", e.id, " is not live"));
        }
        live[e.id] = false;
        break;
      default:
        throw std::runtime_error(Cat("trace ", name, " line ", line_no, ": unknown event"));
    }
    trace.events.push_back(e);
  }
  trace.num_ids = static_cast<std::uint32_t>(live.size());
  return trace;
}

std::vector<std::string> PublicTraceNames() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < embedded::kPublicCount; ++i) {
    names.emplace_back(embedded::kPublic[i].name);
  }
  return names;
}

Trace PublicTrace(std::string_view name) {
  for (std::size_t i = 0; i < embedded::kPublicCount; ++i) {
    if (name == embedded::kPublic[i].name) return Parse(name, embedded::kPublic[i].text);
  }
  throw std::runtime_error(Cat("no public trace ", name));
}

Trace SyntheticBoundaries() {
  Builder b("synthetic_boundaries");
  std::vector<std::uint32_t> ids;
  for (std::uint32_t size = 0; size <= 1100; ++size) ids.push_back(b.Alloc(size));
  // Free every other block, reallocate the rest across the class edges, refill.
  for (std::size_t i = 0; i < ids.size(); i += 2) b.Free(ids[i]);
  for (std::size_t i = 1; i < ids.size(); i += 2) {
    b.Realloc(ids[i], static_cast<std::uint32_t>((i * 16 + 1) % 1040));
  }
  for (int size = 1100; size > 0; size -= 3) b.Alloc(static_cast<std::uint32_t>(size));
  return b.Done();
}

Trace SyntheticReallocLadder() {
  Builder b("synthetic_realloc_ladder");
  Rng rng{0x9e3779b97f4a7c15ull};
  std::vector<std::uint32_t> ids;
  for (int chain = 0; chain < 400; ++chain) {
    std::uint32_t id = b.Alloc(1 + rng.Below(64));
    std::uint32_t size = 1;
    for (int step = 0; step < 24; ++step) {
      size = step < 16 ? size + 1 + rng.Below(80) : std::max<std::uint32_t>(1, size / 2);
      b.Realloc(id, size);
    }
    ids.push_back(id);
    if (chain % 3 == 0) {
      b.Free(ids.front());
      ids.erase(ids.begin());
    }
  }
  b.Realloc(ids.back(), 0);
  return b.Done();
}

Trace SyntheticArenaChurn() {
  Builder b("synthetic_arena_churn");
  Rng rng{12345};
  std::vector<std::uint32_t> live;
  for (int wave = 0; wave < 6; ++wave) {
    for (int i = 0; i < 12000; ++i) live.push_back(b.Alloc(8 + 16 * rng.Below(24)));
    // Free most blocks, oldest first, keeping a scattering alive.
    std::vector<std::uint32_t> kept;
    for (std::size_t i = 0; i < live.size(); ++i) {
      if (rng.Below(10) == 0) {
        kept.push_back(live[i]);
      } else {
        b.Free(live[i]);
      }
    }
    live = std::move(kept);
  }
  return b.Done();
}

Trace SyntheticFullPools() {
  Builder b("synthetic_full_pools");
  std::vector<std::uint32_t> live;
  for (std::uint32_t size : {16u, 48u, 176u, 512u}) {
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 600; ++i) live.push_back(b.Alloc(size));
      for (std::size_t i = round; i < live.size(); i += 5) {
        b.Free(live[i]);
        live[i] = b.Alloc(size - 1);
      }
    }
  }
  for (std::uint32_t id : live) b.Free(id);
  return b.Done();
}

ReplayResult CheckedReplay(Allocator& a, const Trace& trace) {
  struct Live {
    void* p = nullptr;
    std::uint32_t size = 0;
    std::uint32_t generation = 0;
    bool live = false;
  };
  ReplayResult result;
  std::vector<Live> blocks(trace.num_ids);
  std::map<std::uintptr_t, std::uintptr_t> intervals;  // start -> end of live blocks
  OsLayer& os = a.os();
  std::uint32_t generation = 0;

  auto fail = [&](std::size_t at, const std::string& what) {
    result.error = Cat("trace ", trace.name, ", event ", at, ": ", what);
  };
  // Checks a fresh block; on success records it.
  // A raw block stays raw across realloc (rule 9), whatever its new size.
  auto place = [&](std::size_t at, std::uint32_t id, void* p, std::uint32_t size,
                   bool stays_raw) -> bool {
    if (p == nullptr) {
      fail(at, Cat("allocation of ", size, " bytes returned nullptr"));
      return false;
    }
    auto start = reinterpret_cast<std::uintptr_t>(p);
    if (start % kAlignment != 0) {
      fail(at, Cat("a block of ", size, " bytes is not 16-byte aligned"));
      return false;
    }
    bool small = size >= 1 && size <= kSmallRequestThreshold && !stays_raw;
    if (small && !os.InLiveArena(p, size)) {
      fail(at, Cat("a block of ", size, " bytes is not inside a live arena"));
      return false;
    }
    if (!small && os.InLiveArena(p, 1)) {
      fail(at, Cat("a block of ", size, " bytes (not small) is inside an arena"));
      return false;
    }
    std::uintptr_t end = start + std::max<std::uint32_t>(size, 1);
    auto next = intervals.lower_bound(start);
    bool overlaps = next != intervals.end() && next->first < end;
    if (next != intervals.begin() && std::prev(next)->second > start) overlaps = true;
    if (overlaps) {
      fail(at, Cat("a block of ", size, " bytes overlaps a live block"));
      return false;
    }
    intervals.emplace(start, end);
    blocks[id] = {p, size, ++generation, true};
    Fill(p, size, id, blocks[id].generation);
    return true;
  };
  auto check_payload = [&](std::size_t at, std::uint32_t id, std::size_t n, const void* where,
                           const char* when) -> bool {
    std::size_t bad = FirstBad(where, n, id, blocks[id].generation);
    if (bad != n) {
      fail(at, Cat(when, ": byte ", bad, " of a ", blocks[id].size, "-byte block changed"));
      return false;
    }
    return true;
  };

  for (std::size_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    Live& b = blocks[e.id];
    switch (e.kind) {
      case Event::kAlloc:
        if (!place(i, e.id, a.Malloc(e.size), e.size, false)) return result;
        break;
      case Event::kRealloc: {
        if (!check_payload(i, e.id, b.size, b.p, "before realloc")) return result;
        intervals.erase(reinterpret_cast<std::uintptr_t>(b.p));
        std::uint32_t old_size = b.size;
        std::uint32_t old_generation = b.generation;
        bool was_raw = !os.InLiveArena(b.p, 1);
        void* q = a.Realloc(b.p, e.size);
        if (q == nullptr) {
          fail(i, Cat("realloc to ", e.size, " bytes returned nullptr"));
          return result;
        }
        std::size_t kept = std::min<std::size_t>(old_size, e.size);
        std::size_t bad = FirstBad(q, kept, e.id, old_generation);
        if (bad != kept) {
          fail(i, Cat("realloc from ", old_size, " to ", e.size, " bytes lost byte ", bad));
          return result;
        }
        if (was_raw && os.InLiveArena(q, 1)) {
          fail(i, Cat("realloc moved a raw block of ", old_size, " bytes into an arena"));
          return result;
        }
        b.live = false;
        if (!place(i, e.id, q, e.size, was_raw)) return result;
        break;
      }
      case Event::kFree:
        if (!check_payload(i, e.id, b.size, b.p, "at free")) return result;
        intervals.erase(reinterpret_cast<std::uintptr_t>(b.p));
        a.Free(b.p);
        b.live = false;
        break;
    }
    ++result.events;
  }
  for (std::uint32_t id = 0; id < trace.num_ids; ++id) {
    if (!blocks[id].live) continue;
    if (!check_payload(trace.events.size(), id, blocks[id].size, blocks[id].p, "at the end")) {
      return result;
    }
    a.Free(blocks[id].p);
    blocks[id].live = false;
  }
  if (os.raw_live_blocks() != 0) {
    fail(trace.events.size(),
         Cat(os.raw_live_blocks(), " raw blocks still live after every block was freed"));
    return result;
  }
  result.peak_footprint = os.peak_footprint();
  result.peak_arena_bytes = os.peak_arena_bytes();
  return result;
}

}  // namespace pymalloc::traces
