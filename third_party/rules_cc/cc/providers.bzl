"""Re-exports of Bazel's built-in C++ providers under other names.

Kept apart from defs.bzl: a file that assigns `CcInfo = CcInfo` at top level is
rejected by Starlark ("referenced before assignment").
"""

BuiltinCcInfo = CcInfo
builtin_cc_common = cc_common
