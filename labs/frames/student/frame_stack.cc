// The frame stack: frames on a chunked data stack. YOUR CODE GOES HERE.
//
// Read frames/frame.h first: its opening comment is the specification (rules 1-7), and the
// ThreadState fields you maintain (datastack_chunk, datastack_top, datastack_limit,
// current_frame, depth, recursion_limit) are declared there. CPython 3.12's
// Python/pystate.c (push_chunk, _PyThreadState_PushFrame, _PyThreadState_PopFrame) does the
// same job in about 60 lines; so can you.
//
// Ground rules:
//   - Get and release chunks ONLY with AllocateChunk / FreeChunk (the tests count them).
//   - No recursion anywhere: the tests run 100,000 frames deep on a 256 KiB C stack.
//   - Frames never move once pushed: callers keep Frame* pointers.
#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>

#include "frames/frame.h"
#include "labkit/todo.h"

namespace frames {

Frame* ThreadState::PushFrame([[maybe_unused]] const Code& code) {
  // TODO(student): push a frame for `code` (frame.h rules 1-4 and 6).
  //   1. If depth has reached recursion_limit, throw RecursionError(CaptureTraceback())
  //      BEFORE changing anything.
  //   2. The frame needs code.FrameSlots() slots. If there is a current chunk and they fit
  //      between datastack_top and datastack_limit (an exact fit counts), the frame goes at
  //      datastack_top.
  //   3. Otherwise get a new chunk with AllocateChunk(size, datastack_chunk): size starts at
  //      chunk_size and doubles until sizeof(StackChunk) + (skip + slots) * kSlotBytes fit,
  //      where skip is 1 for the very first (root) chunk and 0 otherwise. Save where the old
  //      chunk's free space started in its `top` (an index into its data()), switch
  //      datastack_chunk / datastack_limit to the new chunk, and put the frame at
  //      data()[skip].
  //   4. Advance datastack_top past the frame, construct the Frame header in place
  //      (new (address) Frame{...}: code, previous = current_frame, ip 0, stacktop =
  //      nlocals), zero the locals, make it current_frame and count it in depth.
  LABKIT_TODO("ThreadState::PushFrame");
}

void ThreadState::PopFrame([[maybe_unused]] Frame* frame) {
  // TODO(student): pop `frame` (frame.h rule 5).
  //   - If frame is not current_frame, throw std::logic_error.
  //   - current_frame becomes frame->previous; depth goes down by one.
  //   - If the frame starts exactly at datastack_chunk->data(), the chunk is now empty: make
  //     the previous chunk current again (datastack_top from its saved `top`,
  //     datastack_limit = its end()) and FreeChunk the empty one.
  //   - Otherwise datastack_top simply moves back to the frame's first slot.
  LABKIT_TODO("ThreadState::PopFrame");
}

Frame* ThreadState::Call([[maybe_unused]] const Code& callee, [[maybe_unused]] int nargs) {
  // TODO(student): the CALL instruction's frame work.
  //   - Push a frame for `callee` (PushFrame). If that throws, the caller must be unchanged.
  //   - The arguments are the top `nargs` values of the CALLER's value stack
  //     (localsplus()[stacktop - nargs] .. localsplus()[stacktop - 1]); the deepest one is
  //     argument 0 and goes to the new frame's local 0, and so on in order.
  //   - Remove them from the caller's stack (its stacktop goes down by nargs).
  //   - Return the new frame.
  LABKIT_TODO("ThreadState::Call");
}

Frame* ThreadState::Return([[maybe_unused]] Value result) {
  // TODO(student): the RETURN_VALUE instruction's frame work.
  //   Pop the current frame and push `result` onto its caller's value stack
  //   (localsplus()[stacktop++]). Return the caller.
  LABKIT_TODO("ThreadState::Return");
}

void ThreadState::UnwindTo([[maybe_unused]] int target_depth) {
  // TODO(student): pop frames (releasing chunks exactly as PopFrame does) until depth ==
  //   target_depth. Eval calls this after an error. A loop, not recursion.
  LABKIT_TODO("ThreadState::UnwindTo");
}

Frame* ThreadState::GetFrame([[maybe_unused]] int n) const {
  // TODO(student): sys._getframe(n). n <= 0 is the current frame, 1 its caller, ... Follow
  //   `previous` links; if you run out of frames (or there are none), throw
  //   std::out_of_range("call stack is not deep enough").
  LABKIT_TODO("ThreadState::GetFrame");
}

void ThreadState::SetRecursionLimit([[maybe_unused]] int limit) {
  // TODO(student): sys.setrecursionlimit (frame.h rule 6).
  //   - limit < 1: throw std::invalid_argument("recursion limit must be greater or equal
  //     than 1").
  //   - limit <= depth: throw RecursionError(CaptureTraceback(), "cannot set the recursion
  //     limit to L at the recursion depth D: the limit is too low").
  //   - Otherwise store it. (A refused limit leaves the old one.)
  LABKIT_TODO("ThreadState::SetRecursionLimit");
}

}  // namespace frames
