"""A minimal offline stand-in for rules_cc: forwards to Bazel's native C++ rules.

Debian's rules_cc 0.0.4 needs a newer Bazel than Debian's 4.2.3, and Bazel's own
@bazel_tools//tools/cpp loads @rules_cc//cc:defs.bzl, so this shim keeps the
upstream load path working. BUILD files load from here exactly as with upstream.
"""

load(":providers.bzl", "BuiltinCcInfo", "builtin_cc_common")

CcInfo = BuiltinCcInfo
cc_common = builtin_cc_common

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_proto_library(**attrs):
    native.cc_proto_library(**attrs)

def fdo_prefetch_hints(**attrs):
    native.fdo_prefetch_hints(**attrs)

def fdo_profile(**attrs):
    native.fdo_profile(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)

def objc_library(**attrs):
    native.objc_library(**attrs)

def objc_import(**attrs):
    native.objc_import(**attrs)
