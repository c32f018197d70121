#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# The zip made by `./labkit gradescope <lab>` is unpacked to
# $AUTOGRADER_ROOT/source (AUTOGRADER_ROOT is /autograder on Gradescope; the
# project's own test sets it to a scratch folder).
#
# Gradescope's containers usually refuse user namespaces, so the grader falls
# back to rlimits, its own unprivileged uids and a seccomp filter: there the
# sandboxed programs see every file that others may read. So this script
#   - puts the grader's cache outside the source tree (the sandbox needs the
#     staged kits and the work directories in it, nothing else), and
#   - after building everything, closes the whole source tree (solutions,
#     hidden tests, Bazel's links to them) to everyone but root.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export LABKIT_CACHE_DIR="$ROOT/labkit-cache"
cd "$ROOT/source"
lab="$(cat LAB)"
./labkit setup
# Build the grader and the lab's tests and run the reference now, so that
# grading a submission only compiles the student's files.
./labkit warm "$lab"
chmod 0700 "$ROOT/source"
