// Tracebacks: capturing the frame chain and printing it as CPython does (REFERENCE SOLUTION).
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "frames/frame.h"

namespace frames {

std::vector<TracebackEntry> ThreadState::CaptureTraceback() const {
  // The chain runs innermost -> outermost; a traceback reads outermost first.
  std::vector<TracebackEntry> entries;
  entries.reserve(static_cast<std::size_t>(depth));
  for (const Frame* f = current_frame; f != nullptr; f = f->previous) {
    entries.push_back(TracebackEntry{f->code->name, f->Line()});
  }
  std::reverse(entries.begin(), entries.end());
  return entries;
}

namespace {

constexpr long kRecursiveCutoff = 3;  // TB_RECURSIVE_CUTOFF in Python/traceback.c

void AppendRepeated(std::string& out, long count) {
  long more = count - kRecursiveCutoff;
  out += "  [Previous line repeated " + std::to_string(more) +
         (more > 1 ? " more times]\n" : " more time]\n");
}

}  // namespace

std::string FormatTraceback(const std::vector<TracebackEntry>& entries, std::string_view type,
                            std::string_view message) {
  std::string out;
  if (!entries.empty()) {
    out += "Traceback (most recent call last):\n";
    // tb_printinternal: count runs of equal entries; print the first 3 of a run, then one
    // line for the rest when the run ends.
    const TracebackEntry* last = nullptr;
    long count = 0;
    for (const TracebackEntry& e : entries) {
      if (last == nullptr || !(e == *last)) {
        if (count > kRecursiveCutoff) {
          AppendRepeated(out, count);
        }
        last = &e;
        count = 0;
      }
      ++count;
      if (count <= kRecursiveCutoff) {
        out += "  File \"";
        out += kTracebackFile;
        out += "\", line " + std::to_string(e.line) + ", in " + e.function + "\n";
      }
    }
    if (count > kRecursiveCutoff) {
      AppendRepeated(out, count);
    }
  }
  out += type;
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  out += "\n";
  return out;
}

}  // namespace frames
