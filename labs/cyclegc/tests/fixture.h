// The per-test fixture of the cyclegc tests: a fresh collector for every test.
#pragma once

#include <gtest/gtest.h>

#include "cyclegc/gc.h"
#include "refcount/object.h"

namespace cyclegc::testing {

// SetUp installs the collector (default thresholds, enabled) and makes fatal errors throw.
// TearDown releases gc.garbage, collects everything left, and uninstalls, so each test
// starts from an empty collector and LeakSanitizer sees only what the test itself leaked.
class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Objects allocated and not yet freed since SetUp.
  std::int64_t LiveSinceSetUp() const;

 private:
  refcount::FatalErrorHandler previous_handler_ = nullptr;
  std::int64_t live_at_setup_ = 0;
};

}  // namespace cyclegc::testing
