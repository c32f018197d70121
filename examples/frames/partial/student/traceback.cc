// Tracebacks: capturing the frame chain and printing it as CPython does. YOUR CODE GOES HERE.
//
// The exact format is specified next to FormatTraceback in frames/frame.h. CPython's version
// is tb_printinternal in Python/traceback.c.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "frames/frame.h"
#include "labkit/todo.h"

namespace frames {

std::vector<TracebackEntry> ThreadState::CaptureTraceback() const {
  std::vector<TracebackEntry> entries;
  for (Frame* f = current_frame; f != nullptr; f = f->previous) {
    entries.push_back(TracebackEntry{f->code->name, f->Line()});
  }
  std::reverse(entries.begin(), entries.end());  // outermost first
  return entries;
}

std::string FormatTraceback([[maybe_unused]] const std::vector<TracebackEntry>& entries,
                            [[maybe_unused]] std::string_view type,
                            [[maybe_unused]] std::string_view message) {
  // TODO(student): the text CPython prints (see frames/frame.h for every rule):
  //   "Traceback (most recent call last):\n" (only if there are entries), then one line
  //   `  File "<labkit>", line N, in NAME` per entry, except that a run of more than 3 equal
  //   consecutive entries prints its first 3 and then `  [Previous line repeated K more
  //   times]` (K = run length - 3; "time" when K == 1), and finally "TYPE: MESSAGE\n"
  //   ("TYPE\n" if the message is empty).
  LABKIT_TODO("FormatTraceback");
}

}  // namespace frames
