#!/usr/bin/env bash
# The project's whole test suite: what `./labkit test` and CI run.
#
#   1. every target builds with the skeletons (skeletons compile; the grader builds);
#   2. every test passes against the reference solutions under AddressSanitizer +
#      UBSan (tests tagged "tsan" under ThreadSanitizer instead): the grader's own
#      tests (attack submissions in both sandbox modes included) and each lab's
#      public and hidden tests;
#   3. `./labkit check` for every lab: reference 100, skeleton 0, buggy variants caught;
#   4. the bundled example submissions grade as their expected.txt says (graded per
#      lab with `./labkit batch`), and the README's own grade command works;
#   5. the command line: every command's help, grade's exit statuses;
#   6. the Gradescope bundle in a simulated /autograder, in the fallback sandbox mode;
#   7. a class end to end: kill -9 and --resume, the report in headless Chromium,
#      shards on a one-node Slurm cluster;
#   8. a student repository made by `./labkit export` grades public tests on its own,
#      and its README names only what is there.
#
# It ends with "N passed, N failed", counting GoogleTest cases from Bazel's test
# logs plus one per check, example and end-to-end check, and exits non-zero if
# anything failed.
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

# Adds the "PASS name" / "FAIL name: why" lines of an end-to-end script's
# output (on stdin, echoed) to the totals.
record_lines() {
  local line
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case "$line" in
      "PASS "*) record 0 "${line#PASS }" ;;
      "FAIL "*) record 1 "${line#FAIL }" ;;
    esac
  done
}

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

# The examples, one batch per lab: each results.json against its expected.txt.
for lab_json in labs/*/lab.json; do
  lab="$(basename "$(dirname "$lab_json")")"
  [[ -d "examples/$lab" ]] || continue
  step "./labkit batch $lab examples/$lab (the bundled examples)"
  out="$(mktemp -d)"
  ./labkit batch "$lab" "examples/$lab" --out "$out/grades" --progress lines
  status=$?
  for expected in examples/"$lab"/*/expected.txt; do
    example="$(basename "$(dirname "$expected")")"
    if [[ $status -eq 0 ]]; then
      python3 tools/check_example.py "$out/grades/$example/results.json" "$expected"
      record $? "example examples/$lab/$example"
    else
      record 1 "example examples/$lab/$example (batch exited $status)"
    fi
  done
  rm -rf "$out"
done

step "The README's main command: ./labkit grade frames examples/frames/partial"
results="$(mktemp)"
./labkit grade frames examples/frames/partial --results "$results" --color never >/dev/null
status=$?
python3 tools/check_example.py "$results" examples/frames/partial/expected.txt
record $((status | $?)) "README: ./labkit grade frames examples/frames/partial"
rm -f "$results"

step "The command line: every command's help, grade's exit statuses"
record_lines < <(grader/tests/e2e/labkit_cli_test.sh 2>&1)

step "The Gradescope bundle in a simulated /autograder, fallback sandbox mode"
grader/tests/gradescope/simulate.sh
record $? "Gradescope bundle (fallback mode): setup.sh, run_autograder, an attack reads nothing"

step "A class end to end: kill -9 and --resume, report.html in Chromium, Slurm shards"
record_lines < <(python3 grader/tests/e2e/class_e2e.py 2>&1)

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
  python3 grader/tests/e2e/check_student_repo.py "$student_root/repo"
  record $? "student repository: its README names only what is there, instructor commands refused"
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
