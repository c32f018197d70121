#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over the C++ files given, or over the grader,
# the labs and the solutions. Uses the same include paths as the Bazel build.
# Usage: tools/tidy.sh [FILE.cc...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v clang-tidy >/dev/null || { echo "tidy: install clang-tidy" >&2; exit 2; }

includes=(-I. -Igrader/harness/include -Ilabs/common/include)
for dir in labs/*/include; do includes+=("-I$dir"); done

files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
  mapfile -t files < <(git ls-files 'grader/*.cc' 'labs/*.cc' 'solutions/*.cc' |
    grep -v '^grader/tests/')
fi
status=0
for file in "${files[@]}"; do
  clang-tidy --quiet "$file" -- -std=c++20 -x c++ "${includes[@]}" 2>/dev/null || status=1
done
exit "$status"
