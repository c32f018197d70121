// An example submission: tracebacks, written independently from frames/frame.h.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "frames/frame.h"

namespace frames {

std::vector<TracebackEntry> ThreadState::CaptureTraceback() const {
  // Fill from the back: the chain starts at the innermost frame, the result starts at the
  // outermost one.
  std::size_t count = 0;
  for (const Frame* f = current_frame; f != nullptr; f = f->previous) {
    ++count;
  }
  std::vector<TracebackEntry> out(count);
  std::size_t i = count;
  for (const Frame* f = current_frame; f != nullptr; f = f->previous) {
    --i;
    out[i].function = f->code->name;
    out[i].line = f->Line();
  }
  return out;
}

namespace {

constexpr std::size_t kShownPerRun = 3;  // CPython's TB_RECURSIVE_CUTOFF

void AppendEntry(std::string& text, const TracebackEntry& entry) {
  text += "  File \"";
  text += kTracebackFile;
  text += "\", line ";
  text += std::to_string(entry.line);
  text += ", in ";
  text += entry.function;
  text += '\n';
}

}  // namespace

std::string FormatTraceback(const std::vector<TracebackEntry>& entries, std::string_view type,
                            std::string_view message) {
  std::string text;
  if (!entries.empty()) {
    text += "Traceback (most recent call last):\n";
  }
  std::size_t i = 0;
  while (i < entries.size()) {
    // [i, j) is a run of equal entries.
    std::size_t j = i + 1;
    while (j < entries.size() && entries[j] == entries[i]) {
      ++j;
    }
    const std::size_t run = j - i;
    const std::size_t shown = run < kShownPerRun ? run : kShownPerRun;
    for (std::size_t k = 0; k < shown; ++k) {
      AppendEntry(text, entries[i]);
    }
    if (run > kShownPerRun) {
      const std::size_t more = run - kShownPerRun;
      text += "  [Previous line repeated " + std::to_string(more) +
              (more == 1 ? " more time]\n" : " more times]\n");
    }
    i = j;
  }
  text.append(type.data(), type.size());
  if (!message.empty()) {
    text += ": ";
    text.append(message.data(), message.size());
  }
  text += '\n';
  return text;
}

}  // namespace frames
