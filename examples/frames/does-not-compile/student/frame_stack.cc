// An example submission that does not compile: a missing semicolon in PopFrame (a typo that
// every C++ programmer makes once a week). The grader must report the compiler's error and
// score it 0.
#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>

#include "frames/frame.h"

namespace frames {
namespace {

// Slots left between two pointers into the same chunk.
std::ptrdiff_t SlotsBetween(const Value* from, const Value* to) { return to - from; }

// Rule 3: the byte size of a fresh chunk that must hold `frame_slots` slots after `skip`
// unused ones.
std::size_t ChunkBytesFor(std::size_t minimum, std::size_t frame_slots, std::size_t skip) {
  const std::size_t want = sizeof(StackChunk) + (frame_slots + skip) * kSlotBytes;
  std::size_t size = minimum;
  while (size < want) {
    size <<= 1;
  }
  return size;
}

}  // namespace

Frame* ThreadState::PushFrame(const Code& code) {
  if (depth == recursion_limit || depth > recursion_limit) {
    throw RecursionError(CaptureTraceback());
  }
  const int n = code.FrameSlots();

  Value* where = nullptr;
  const bool fits = datastack_chunk != nullptr && n <= SlotsBetween(datastack_top, datastack_limit);
  if (fits) {
    where = datastack_top;
  } else {
    StackChunk* const old_chunk = datastack_chunk;
    const std::size_t skip = old_chunk == nullptr ? 1 : 0;
    const std::size_t bytes = ChunkBytesFor(chunk_size, static_cast<std::size_t>(n), skip);
    StackChunk* const fresh = AllocateChunk(bytes, old_chunk);
    if (old_chunk != nullptr) {
      old_chunk->top = static_cast<std::size_t>(SlotsBetween(old_chunk->data(), datastack_top));
    }
    datastack_chunk = fresh;
    datastack_limit = fresh->end();
    where = fresh->data() + skip;
  }
  datastack_top = where + n;

  Frame* frame = ::new (static_cast<void*>(where)) Frame;
  frame->code = &code;
  frame->previous = current_frame;
  frame->ip = 0;
  frame->stacktop = code.nlocals;
  Value* locals = frame->localsplus();
  for (Value* p = locals; p != locals + code.nlocals; ++p) {
    *p = 0;
  }

  current_frame = frame;
  depth += 1;
  return frame;
}

void ThreadState::PopFrame(Frame* frame) {
  if (current_frame == nullptr || frame != current_frame) {
    throw std::logic_error("PopFrame: only the current frame can be popped");
  }
  Value* const base = reinterpret_cast<Value*>(frame);
  current_frame = frame->previous
  depth -= 1;

  StackChunk* const chunk = datastack_chunk;
  if (base != chunk->data()) {
    datastack_top = base;
    return;
  }
  // The frame was the first one in this (non-root) chunk: give the chunk back.
  StackChunk* const older = chunk->previous;
  datastack_chunk = older;
  datastack_limit = older->end();
  datastack_top = older->data() + older->top;
  FreeChunk(chunk);
}

Frame* ThreadState::Call(const Code& callee, int nargs) {
  Frame* const caller = current_frame;
  Frame* const callee_frame = PushFrame(callee);  // may throw; nothing changed yet
  Value* const caller_slots = caller->localsplus();
  const int first_arg = caller->stacktop - nargs;
  Value* const locals = callee_frame->localsplus();
  for (int k = nargs - 1; k >= 0; --k) {
    locals[k] = caller_slots[first_arg + k];
  }
  caller->stacktop = first_arg;
  return callee_frame;
}

Frame* ThreadState::Return(Value result) {
  Frame* const finished = current_frame;
  Frame* const caller = finished->previous;
  PopFrame(finished);
  caller->localsplus()[caller->stacktop] = result;
  caller->stacktop += 1;
  return caller;
}

void ThreadState::UnwindTo(int target_depth) {
  while (depth > target_depth && current_frame != nullptr) {
    PopFrame(current_frame);
  }
}

Frame* ThreadState::GetFrame(int n) const {
  Frame* f = current_frame;
  int steps = n < 0 ? 0 : n;
  while (f != nullptr && steps > 0) {
    f = f->previous;
    --steps;
  }
  if (f == nullptr) {
    throw std::out_of_range("call stack is not deep enough");
  }
  return f;
}

void ThreadState::SetRecursionLimit(int limit) {
  if (limit < 1) {
    throw std::invalid_argument("recursion limit must be greater or equal than 1");
  }
  if (limit <= depth) {
    std::string message = "cannot set the recursion limit to ";
    message += std::to_string(limit);
    message += " at the recursion depth ";
    message += std::to_string(depth);
    message += ": the limit is too low";
    throw RecursionError(CaptureTraceback(), message);
  }
  recursion_limit = limit;
}

}  // namespace frames
