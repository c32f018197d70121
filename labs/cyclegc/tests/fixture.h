// The per-test fixture of the cyclegc tests, and the instruments the tests observe the
// collector with: finalizers that log, a legacy-finalizer type, list walks that check the
// links, and a guard for testing the phases of a collection one by one.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cyclegc/gc.h"
#include "cyclegc/internal.h"
#include "refcount/object.h"

namespace cyclegc::testing {

// SetUp installs the collector (default thresholds, enabled), makes fatal errors throw and
// empties FinalizerLog(). TearDown releases Resurrected() and gc.garbage, collects everything
// left, and uninstalls, so each test starts from an empty collector and LeakSanitizer sees
// only what the test itself leaked.
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

// ---- Finalizers ----------------------------------------------------------------------------

// What the test finalizers below wrote, in call order ("a b c ").
std::string& FinalizerLog();
// `instance`'s finalizer (tp_finalize, through InstanceFinalize) appends "NAME " to the log.
// `name` must outlive the object (a string literal).
void SetRecordingFinalizer(Object* instance, const char* name);
// Appends "NAME:intact " if slot 0 of the instance, and slot 0 of the instance in it (if
// any), still hold something, else "NAME:cleared ": a finalizer must see its cycle unbroken.
void SetCheckingFinalizer(Object* instance, const char* name);
// Appends "NAME " and resurrects the instance: stores a new reference to it in Resurrected().
void SetResurrectingFinalizer(Object* instance, const char* name);
// Appends "NAME " and calls Collect(); appends "NAME=<what it returned> ".
void SetCollectingFinalizer(Object* instance, const char* name);
// Appends "NAME " and empties the instance's slot 0 (breaking the cycle it is part of).
void SetSlotClearingFinalizer(Object* instance, const char* name);
// Objects the resurrecting finalizers stored: a live "global variable" (owns a reference to
// each). ReleaseResurrected() drops them all.
std::vector<Object*>& Resurrected();
void ReleaseResurrected();

// ---- Callbacks -----------------------------------------------------------------------------

// What the logging callbacks wrote, in call order: "start 2 0 0|stop 2 5 1|" (phase,
// generation, collected, uncollectable), each entry prefixed with "NAME:" if a name was
// given. Cleared by SetUp. (A callback must not capture a test's locals: TearDown collects
// again while it is still registered.)
std::string& CallbackLog();
int AddLoggingCallback(const char* name = "");

// A copy of InstanceType with a legacy finalizer: tp_del appends "del " to FinalizerLog().
refcount::TypeObject* LegacyInstanceType();

// ---- Looking at lists ----------------------------------------------------------------------

// The position of each of `objects` in `named`, space-separated ("0 2 1"; "?" for an object
// not in `named`): list order, observable without addresses.
std::string Positions(const std::vector<Object*>& objects, const std::vector<Object*>& named);
// The objects of a collector list, following gc_next with kGcNextMaskUnreachable masked off.
std::vector<Object*> ListObjects(const GcHead* list);
// True if walking `list` backwards through the prev pointers visits exactly the objects the
// forward walk visits, in reverse order (every back link is right).
bool BackLinksConsistent(const GcHead* list);

// Takes generation 0's objects into a list of its own (`set`), with an empty `unreachable`
// beside it, so that a test can call UpdateRefs, SubtractRefs, MoveUnreachable, ... on
// them one at a time. Whatever state those leave behind (gc_refs in gc_prev, flags, the
// UNREACHABLE bit, broken back links), the destructor rebuilds both lists from their next
// pointers, clears every flag but FINALIZED, and gives all the objects back to generation 0.
class DetachedSet {
 public:
  DetachedSet();
  ~DetachedSet();
  DetachedSet(const DetachedSet&) = delete;
  DetachedSet& operator=(const DetachedSet&) = delete;

  GcHead* set() { return &set_; }
  GcHead* unreachable() { return &unreachable_; }
  GcHead* extra() { return &extra_; }  // a third list (legacy finalizers, survivors, ...)

 private:
  GcHead set_;
  GcHead unreachable_;
  GcHead extra_;
};

// n instances with `slots` slots in a ring through slot 0, in allocation order. BORROWED
// pointers: the ring owns them.
std::vector<Object*> MakeInstanceRing(int n, refcount::Py_ssize_t slots = 1);

}  // namespace cyclegc::testing
