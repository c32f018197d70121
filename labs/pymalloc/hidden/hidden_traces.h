// The hidden Python traces (labs/pymalloc/hidden/traces), compiled in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "labs/pymalloc/tests/embedded_traces.h"
#include "labs/pymalloc/tests/traces.h"

namespace pymalloc::traces {

namespace embedded {
extern const EmbeddedTrace kHidden[];
extern const std::size_t kHiddenCount;
}  // namespace embedded

inline std::vector<std::string> HiddenTraceNames() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < embedded::kHiddenCount; ++i) {
    names.emplace_back(embedded::kHidden[i].name);
  }
  return names;
}

// Any trace by name: hidden, public or synthetic ("synthetic_...").
inline Trace AnyTrace(std::string_view name) {
  for (std::size_t i = 0; i < embedded::kHiddenCount; ++i) {
    if (name == embedded::kHidden[i].name) return Parse(name, embedded::kHidden[i].text);
  }
  if (name == "synthetic_boundaries") return SyntheticBoundaries();
  if (name == "synthetic_realloc_ladder") return SyntheticReallocLadder();
  if (name == "synthetic_arena_churn") return SyntheticArenaChurn();
  if (name == "synthetic_full_pools") return SyntheticFullPools();
  return PublicTrace(name);
}

inline std::vector<std::string> AllTraceNames() {
  std::vector<std::string> names = HiddenTraceNames();
  for (const std::string& n : PublicTraceNames()) names.push_back(n);
  for (const char* n : {"synthetic_boundaries", "synthetic_realloc_ladder", "synthetic_arena_churn",
                        "synthetic_full_pools"}) {
    names.emplace_back(n);
  }
  return names;
}

}  // namespace pymalloc::traces
