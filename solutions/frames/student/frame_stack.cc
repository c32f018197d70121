// The frame stack: frames on a chunked data stack (REFERENCE SOLUTION).
//
// Follows CPython 3.12's Python/pystate.c (push_chunk, _PyThreadState_PushFrame,
// _PyThreadState_PopFrame) under the rules in frames/frame.h. Everything here is O(1) per
// frame except GetFrame(n) (O(n), like sys._getframe) and nothing recurses.
#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>

#include "frames/frame.h"

namespace frames {
namespace {

// Rule 3: the size of a new chunk for a frame of `slots` slots: chunk_size doubled until the
// header, the skipped root slot (if any) and the frame fit.
std::size_t NewChunkBytes(std::size_t chunk_size, std::size_t slots, bool root) {
  const std::size_t needed = sizeof(StackChunk) + ((root ? 1 : 0) + slots) * kSlotBytes;
  std::size_t bytes = chunk_size;
  while (bytes < needed) {
    bytes *= 2;
  }
  return bytes;
}

}  // namespace

Frame* ThreadState::PushFrame(const Code& code) {
  // Rule 6: check before touching the data stack, so a refused push leaves nothing behind.
  if (depth >= recursion_limit) {
    throw RecursionError(CaptureTraceback());
  }

  const auto slots = static_cast<std::size_t>(code.FrameSlots());
  Value* base;
  if (datastack_chunk != nullptr &&
      slots <= static_cast<std::size_t>(datastack_limit - datastack_top)) {
    // Rule 2, the fast path: bump the pointer.
    base = datastack_top;
  } else {
    // Rules 3 and 4 (push_chunk): a new chunk big enough for this frame.
    const bool root = datastack_chunk == nullptr;
    StackChunk* chunk = AllocateChunk(NewChunkBytes(chunk_size, slots, root), datastack_chunk);
    if (!root) {
      datastack_chunk->top = static_cast<std::size_t>(datastack_top - datastack_chunk->data());
    }
    datastack_chunk = chunk;
    datastack_limit = chunk->end();
    base = chunk->data() + (root ? 1 : 0);
  }
  datastack_top = base + slots;

  Frame* frame = new (base) Frame{&code, current_frame, 0, code.nlocals};
  Value* locals = frame->localsplus();
  for (int i = 0; i < code.nlocals; ++i) {
    locals[i] = 0;
  }
  current_frame = frame;
  ++depth;
  return frame;
}

void ThreadState::PopFrame(Frame* frame) {
  if (frame == nullptr || frame != current_frame) {
    throw std::logic_error("PopFrame: not the current frame");
  }
  current_frame = frame->previous;
  --depth;

  Value* base = reinterpret_cast<Value*>(frame);
  if (base == datastack_chunk->data()) {
    // Rule 5: the chunk's first frame is leaving, so the chunk is empty: free it and resume
    // the previous chunk where it was left. (The root chunk never gets here: rule 4.)
    StackChunk* chunk = datastack_chunk;
    StackChunk* previous = chunk->previous;
    datastack_chunk = previous;
    datastack_top = previous->data() + previous->top;
    datastack_limit = previous->end();
    FreeChunk(chunk);
  } else {
    datastack_top = base;
  }
}

Frame* ThreadState::Call(const Code& callee, int nargs) {
  Frame* caller = current_frame;
  // Push first: if the limit refuses the call, the caller's stack is untouched. The new
  // frame sits above the whole caller frame, so the arguments are not overwritten.
  Frame* frame = PushFrame(callee);
  const Value* args = caller->localsplus() + caller->stacktop - nargs;
  Value* locals = frame->localsplus();
  for (int i = 0; i < nargs; ++i) {
    locals[i] = args[i];
  }
  caller->stacktop -= nargs;
  return frame;
}

Frame* ThreadState::Return(Value result) {
  Frame* frame = current_frame;
  Frame* caller = frame->previous;
  PopFrame(frame);
  caller->localsplus()[caller->stacktop++] = result;
  return caller;
}

void ThreadState::UnwindTo(int target_depth) {
  // A loop, not recursion: the stack may be 100,000 frames deep (rule 7).
  while (depth > target_depth) {
    PopFrame(current_frame);
  }
}

Frame* ThreadState::GetFrame(int n) const {
  Frame* frame = current_frame;
  for (; n > 0 && frame != nullptr; --n) {
    frame = frame->previous;
  }
  if (frame == nullptr) {
    throw std::out_of_range("call stack is not deep enough");
  }
  return frame;
}

void ThreadState::SetRecursionLimit(int limit) {
  if (limit < 1) {
    throw std::invalid_argument("recursion limit must be greater or equal than 1");
  }
  if (depth >= limit) {
    throw RecursionError(CaptureTraceback(), "cannot set the recursion limit to " +
                                                 std::to_string(limit) +
                                                 " at the recursion depth " +
                                                 std::to_string(depth) + ": the limit is too low");
  }
  recursion_limit = limit;
}

}  // namespace frames
