// ThreadState's given half: construction, the chunk allocator and its accounting (GIVEN).
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "frames/frame.h"

namespace frames {

VmError::VmError(std::string type, std::string message, std::vector<TracebackEntry> traceback)
    : std::runtime_error(message.empty() ? type : type + ": " + message),
      type_(std::move(type)),
      message_(std::move(message)),
      traceback_(std::move(traceback)) {}

ThreadState::ThreadState(std::size_t chunk_size) : chunk_size(chunk_size) {
  if (chunk_size % kSlotBytes != 0 || chunk_size < sizeof(StackChunk) + 2 * kSlotBytes) {
    throw std::invalid_argument("ThreadState: bad chunk size " + std::to_string(chunk_size));
  }
}

ThreadState::~ThreadState() {
  // Like CPython's clear_datastack (3.12+, on deleting a thread state): walk the chunk list
  // from the newest chunk and free them all (frames still on the stack hold nothing to free).
  StackChunk* chunk = datastack_chunk;
  while (chunk != nullptr) {
    StackChunk* previous = chunk->previous;
    FreeChunk(chunk);
    chunk = previous;
  }
}

StackChunk* ThreadState::AllocateChunk(std::size_t size_bytes, StackChunk* previous) {
  if (size_bytes % kSlotBytes != 0 || size_bytes <= sizeof(StackChunk)) {
    throw std::invalid_argument("AllocateChunk: bad size " + std::to_string(size_bytes));
  }
  // CPython uses _PyObject_VirtualAlloc (the object arena allocator: an mmap of `size`); plain
  // operator new keeps the lab portable and lets AddressSanitizer see every chunk.
  void* memory = ::operator new(size_bytes);
  auto* chunk = static_cast<StackChunk*>(memory);
  chunk->previous = previous;
  chunk->size = size_bytes;
  chunk->top = 0;
  ++live_chunks_;
  ++chunks_allocated_;
  live_chunk_bytes_ += size_bytes;
  return chunk;
}

void ThreadState::FreeChunk(StackChunk* chunk) {
  if (chunk == nullptr) {
    throw std::logic_error("FreeChunk(nullptr)");
  }
  --live_chunks_;
  ++chunks_freed_;
  live_chunk_bytes_ -= chunk->size;
  ::operator delete(static_cast<void*>(chunk));
}

std::size_t ThreadState::ChunkChainLength() const {
  std::size_t n = 0;
  for (const StackChunk* c = datastack_chunk; c != nullptr; c = c->previous) {
    ++n;
  }
  return n;
}

}  // namespace frames
