// labkit/todo.h: how a skeleton says "not written yet".
//
// Every unfinished function in a lab's skeleton calls LABKIT_TODO with its own
// name. The call throws labkit::NotImplemented, which a test reports as a failure
// naming the function ("not implemented: FrameStack::Push"), instead of the
// crash or silent wrong answer that an empty body would give.
#pragma once

#include <stdexcept>
#include <string>

namespace labkit {

class NotImplemented : public std::logic_error {
 public:
  explicit NotImplemented(const std::string& function)
      : std::logic_error("not implemented: " + function +
                         " (TODO(student): write it in the lab's student/ files)") {}
};

}  // namespace labkit

// Marks an unfinished function. `what` names it, e.g. LABKIT_TODO("FrameStack::Push").
#define LABKIT_TODO(what) throw ::labkit::NotImplemented(what)
