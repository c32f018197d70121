#include "labs/refcount/tests/test_util.h"

namespace refcount::testing {

Counts Counts::Now() { return Counts{TotalRefs(), LiveObjects(), TrackedObjects()}; }

Counts Counts::Since() const {
  Counts now = Now();
  return Counts{now.total_refs - total_refs, now.live_objects - live_objects,
                now.tracked - tracked};
}

ThrowOnFatalError::ThrowOnFatalError()
    : previous_(SetFatalErrorHandler(ThrowingFatalErrorHandler)) {}
ThrowOnFatalError::~ThrowOnFatalError() { SetFatalErrorHandler(previous_); }

}  // namespace refcount::testing
