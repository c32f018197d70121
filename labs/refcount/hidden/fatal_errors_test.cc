// Hidden tests: a Decref below zero is a fatal error with CPython's message, never silent
// corruption (rule 3). The tests install a handler that throws FatalErrorException.
#include <gtest/gtest.h>

#include <string>

#include "labkit/observe.h"
#include "labs/refcount/tests/test_util.h"
#include "refcount/object.h"
#include "refcount/objects.h"
#include "refcount/ref.h"

namespace refcount {
namespace {

// Decrefs op, whose count the test has set to 0 by hand; returns what FatalError said.
std::string DecrefBelowZero(Object* op, bool x_variant) {
  testing::ThrowOnFatalError guard;
  try {
    if (x_variant) {
      XDecref(op);
    } else {
      Decref(op);
    }
  } catch (const FatalErrorException& e) {
    return e.what();
  }
  return "no fatal error";
}

TEST(FatalErrors, DecrefBelowZeroIsFatal) {
  Object* s = StrFromString("victim");
  s->ob_refcnt = 0;  // as if someone had Decref'd it once too often, yet it is still here
  EXPECT_EQ(LABKIT_OBSERVE(DecrefBelowZero(s, false)),
            "_Py_NegativeRefcount: object has negative ref count");
  // CPython's order: the count was decremented, then found negative.
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(s)), -1);
  s->ob_refcnt = 1;
  IncRefTotal();  // undo the failed Decref's accounting
  Decref(s);
}

TEST(FatalErrors, XDecrefBelowZeroIsFatal) {
  Object* l = ListNew(0);
  l->ob_refcnt = 0;
  EXPECT_EQ(LABKIT_OBSERVE(DecrefBelowZero(l, true)),
            "_Py_NegativeRefcount: object has negative ref count");
  l->ob_refcnt = 1;
  IncRefTotal();
  Decref(l);
}

TEST(FatalErrors, ZeroIsNotNegative) {
  // Reaching exactly 0 deallocates; it is not an error.
  testing::ThrowOnFatalError guard;
  testing::Counts start = testing::Counts::Now();
  bool fatal = false;
  try {
    Object* a = IntFromLong(4242);
    Incref(a);
    Decref(a);
    Decref(a);
  } catch (const FatalErrorException&) {
    fatal = true;
  }
  EXPECT_FALSE(LABKIT_OBSERVE(fatal));
  EXPECT_EQ(LABKIT_OBSERVE(start.Since().live_objects), 0);
}

TEST(FatalErrors, ImmortalsNeverReachZero) {
  // However many Decrefs an immortal gets, it is never deallocated (NoneType's tp_dealloc
  // would be a fatal error "deallocating None").
  testing::ThrowOnFatalError guard;
  std::string what = "none";
  try {
    for (long i = 0; i < 100000; ++i) {
      Decref(None());
      Decref(False());
      Decref(SmallInt(42));
    }
  } catch (const FatalErrorException& e) {
    what = e.what();
  }
  EXPECT_EQ(LABKIT_OBSERVE(what), "none");
  EXPECT_EQ(LABKIT_OBSERVE(Refcnt(None())), kImmortalRefcnt);
}

}  // namespace
}  // namespace refcount
