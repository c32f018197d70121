// Utilities shared by the refcount tests (public and hidden) and later labs' tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "refcount/object.h"

namespace refcount::testing {

// The accounting counters at one moment; Since() gives the change from then to now.
struct Counts {
  std::int64_t total_refs;
  std::int64_t live_objects;
  std::int64_t tracked;
  static Counts Now();
  Counts Since() const;  // Now() - *this
};

// While alive, FatalError throws FatalErrorException instead of aborting.
class ThrowOnFatalError {
 public:
  ThrowOnFatalError();
  ~ThrowOnFatalError();
  ThrowOnFatalError(const ThrowOnFatalError&) = delete;
  ThrowOnFatalError& operator=(const ThrowOnFatalError&) = delete;

 private:
  FatalErrorHandler previous_;
};

}  // namespace refcount::testing
