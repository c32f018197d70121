#!/usr/bin/env bash
# The project's whole test suite: what `./labkit test` and CI run.
#
#   1. every target builds with the skeletons (skeletons compile; the grader builds);
#   2. every test passes against the reference solutions under AddressSanitizer +
#      UBSan (tests tagged "tsan" under ThreadSanitizer instead): the grader's own
#      tests and each lab's public and hidden tests;
#   3. `./labkit check` for every lab: reference 100, skeleton 0, buggy variants caught;
#   4. the bundled example submissions grade as their expected.txt says;
#   5. a student repository made by `./labkit export` grades public tests on its own.
#
# It ends with "N passed, N failed", counting GoogleTest cases from Bazel's test
# logs plus one per check and per example, and exits non-zero if anything failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

passed=0
failed=0
failures=()

if [[ -t 1 ]]; then
  step() { printf '\n\e[1m=== %s\e[0m\n' "$*"; }
else
  step() { printf '\n=== %s\n' "$*"; }
fi

record() {  # record <ok:0|1> <name>
  if [[ "$1" == 0 ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$2")
  fi
}

# Adds the GoogleTest cases found in one Bazel test-log tree to the totals.
count_test_logs() {
  local logs="$1" xml tests fails errs
  [[ -d "$logs" ]] || return 0
  while IFS= read -r -d '' xml; do
    read -r tests fails errs < <(awk '
      match($0, /<testsuites[^>]*>/) || (!done && match($0, /<testsuite [^>]*>/)) {
        tag = substr($0, RSTART, RLENGTH)
        t = f = e = 0
        if (match(tag, /tests="[0-9]+"/)) t = substr(tag, RSTART + 7, RLENGTH - 8)
        if (match(tag, /failures="[0-9]+"/)) f = substr(tag, RSTART + 10, RLENGTH - 11)
        if (match(tag, /errors="[0-9]+"/)) e = substr(tag, RSTART + 8, RLENGTH - 9)
        print t, f, e; done = 1; exit
      }
      END { if (!done) print 0, 0, 1 }' "$xml")
    local bad=$((fails + errs))
    ((bad > tests)) && tests=$bad
    ((tests == 0)) && continue
    passed=$((passed + tests - bad))
    failed=$((failed + bad))
    if ((bad > 0)); then
      failures+=("${xml#"$logs"/}")
    fi
  done < <(find -L "$logs" -name test.xml -print0 2>/dev/null)
}

run_bazel_tests() {  # run_bazel_tests <description> <bazel test args...>
  local description="$1"
  shift
  step "$description"
  local logs
  logs="$(bazel info "$@" bazel-testlogs 2>/dev/null | tail -n 1)"
  rm -rf "$logs"
  bazel test --keep_going --build_tests_only "$@" //...
  local status=$?
  # Exit 4: no test targets matched the filters. Any other non-zero status with
  # no failing test log (e.g. a build error) counts as one failure.
  local before=$failed
  count_test_logs "$logs"
  if [[ $status -ne 0 && $status -ne 4 && $failed -eq $before ]]; then
    record 1 "bazel test ($description) exited $status"
  fi
}

step "Build everything with the skeletons (they must compile)"
bazel build --keep_going //...
record $? "bazel build //... (skeletons)"

run_bazel_tests "Tests against the references under ASan+UBSan" \
  --config=sanitize --config=reference --test_tag_filters=-tsan

run_bazel_tests "Tests tagged tsan against the references under ThreadSanitizer" \
  --config=tsan --config=reference --test_tag_filters=tsan

for lab_json in labs/*/lab.json; do
  lab="$(basename "$(dirname "$lab_json")")"
  step "./labkit check $lab"
  ./labkit check "$lab"
  record $? "./labkit check $lab"
done

for expected in examples/*/*/expected.txt; do
  [[ -f "$expected" ]] || continue
  dir="$(dirname "$expected")"
  lab="$(basename "$(dirname "$dir")")"
  step "./labkit grade $lab $dir"
  results="$(mktemp)"
  ./labkit grade "$lab" "$dir" --results "$results" --color never
  status=$?
  python3 tools/check_example.py "$results" "$expected"
  check=$?
  rm -f "$results"
  record $((status | check)) "example $dir"
done

# A student's repository: exported without solutions or hidden tests, built from
# the student's own files, graded on the public tests only (and saying so).
if [[ -d examples/frames/complete ]]; then
  step "Student repository: ./labkit export, then grade a complete solution there"
  student_root="$(mktemp -d)"
  chmod 0755 "$student_root"
  results="$(mktemp)"
  expected="$(mktemp)"
  printf 'score 100\noutput-contains not in this repository\n' >"$expected"
  ./labkit export "$student_root/repo" &&
    cp examples/frames/complete/student/*.cc "$student_root/repo/labs/frames/student/" &&
    (cd "$student_root/repo" && ./labkit grade frames labs/frames --results "$results" --color never) &&
    python3 tools/check_example.py "$results" "$expected"
  record $? "student repository (export + grade)"
  (cd "$student_root/repo" 2>/dev/null && bazel shutdown >/dev/null 2>&1)
  rm -rf "$student_root" "$results" "$expected"
fi

bazel shutdown >/dev/null 2>&1 || true

printf '\n'
if ((failed > 0)); then
  printf 'Failed:\n'
  printf '  %s\n' "${failures[@]}"
fi
printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
