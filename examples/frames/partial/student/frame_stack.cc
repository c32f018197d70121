// An example submission: a plausible half-finished student's work. Frames are pushed and
// popped correctly inside a chunk, and calls and returns work, but:
//   - a frame bigger than one chunk is not handled (no doubling: still a TODO);
//   - PopFrame goes back to the previous chunk when a chunk empties, but forgets to free
//     the empty one (FreeChunk): a leak, which LeakSanitizer reports;
//   - FormatTraceback (student/traceback.cc) is still a TODO; CaptureTraceback works.
// It should score somewhere in the middle.
#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>

#include "frames/frame.h"
#include "labkit/todo.h"

namespace frames {

Frame* ThreadState::PushFrame(const Code& code) {
  if (depth >= recursion_limit) {
    throw RecursionError(CaptureTraceback());
  }

  int slots = code.FrameSlots();
  Value* base;
  if (datastack_chunk != nullptr && datastack_top + slots <= datastack_limit) {
    base = datastack_top;
  } else {
    // New chunk. TODO: frames bigger than chunk_size (double the size?).
    bool root = datastack_chunk == nullptr;
    std::size_t skip = root ? 1 : 0;
    if (sizeof(StackChunk) + (skip + slots) * kSlotBytes > chunk_size) {
      LABKIT_TODO("ThreadState::PushFrame (a frame bigger than a chunk)");
    }
    StackChunk* chunk = AllocateChunk(chunk_size, datastack_chunk);
    if (!root) {
      datastack_chunk->top = datastack_top - datastack_chunk->data();
    }
    datastack_chunk = chunk;
    datastack_limit = chunk->end();
    base = chunk->data() + skip;
  }
  datastack_top = base + slots;

  Frame* frame = new (base) Frame{&code, current_frame, 0, code.nlocals};
  for (int i = 0; i < code.nlocals; i++) {
    frame->localsplus()[i] = 0;
  }
  current_frame = frame;
  depth++;
  return frame;
}

void ThreadState::PopFrame(Frame* frame) {
  if (frame != current_frame) {
    throw std::logic_error("not the current frame");
  }
  current_frame = frame->previous;
  depth--;
  Value* base = reinterpret_cast<Value*>(frame);
  if (base == datastack_chunk->data()) {
    // The chunk is empty now: go back to the previous one.
    StackChunk* previous = datastack_chunk->previous;
    datastack_chunk = previous;
    datastack_top = previous->data() + previous->top;
    datastack_limit = previous->end();
    // TODO: free the empty chunk?
  } else {
    datastack_top = base;
  }
}

Frame* ThreadState::Call(const Code& callee, int nargs) {
  Frame* caller = current_frame;
  Frame* frame = PushFrame(callee);
  for (int i = 0; i < nargs; i++) {
    frame->localsplus()[i] = caller->localsplus()[caller->stacktop - nargs + i];
  }
  caller->stacktop -= nargs;
  return frame;
}

Frame* ThreadState::Return(Value result) {
  Frame* caller = current_frame->previous;
  PopFrame(current_frame);
  caller->localsplus()[caller->stacktop++] = result;
  return caller;
}

void ThreadState::UnwindTo(int target_depth) {
  while (depth > target_depth) {
    PopFrame(current_frame);
  }
}

Frame* ThreadState::GetFrame(int n) const {
  Frame* frame = current_frame;
  for (int i = 0; i < n && frame != nullptr; i++) {
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
  if (limit <= depth) {
    throw RecursionError(CaptureTraceback(), "cannot set the recursion limit to " +
                                                 std::to_string(limit) +
                                                 " at the recursion depth " +
                                                 std::to_string(depth) + ": the limit is too low");
  }
  recursion_limit = limit;
}

}  // namespace frames
