#include "fixture.h"

namespace cyclegc::testing {

void CollectorTest::SetUp() {
  previous_handler_ = refcount::SetFatalErrorHandler(refcount::ThrowingFatalErrorHandler);
  Install();
  live_at_setup_ = refcount::LiveObjects();
}

void CollectorTest::TearDown() {
  // A failing or unfinished collector must not stop the clean-up: the next test (and
  // LeakSanitizer) should judge that test, not this one's leftovers.
  try {
    ClearGarbage();
    Collect(kNumGenerations - 1);
  } catch (const std::exception&) {
  }
  Uninstall();
  refcount::SetFatalErrorHandler(previous_handler_);
}

std::int64_t CollectorTest::LiveSinceSetUp() const {
  return refcount::LiveObjects() - live_at_setup_;
}

}  // namespace cyclegc::testing
