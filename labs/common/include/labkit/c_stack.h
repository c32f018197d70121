// labkit/c_stack.h: run code on a thread with a small C stack.
//
// Labs whose mechanism must not recurse once per item (a frame, a nested container, an
// object in a long chain) test it on a C stack far smaller than the default 8 MiB, so that
// a recursive implementation overflows it and fails the test instead of passing by luck.
#pragma once

#include <cstddef>
#include <functional>

namespace labkit {

// Runs `body` on a new thread whose C stack is `stack_bytes` bytes, waits for it, and
// rethrows whatever `body` threw. Throws std::runtime_error if the thread cannot be made.
void RunWithCStack(std::size_t stack_bytes, const std::function<void()>& body);

}  // namespace labkit
