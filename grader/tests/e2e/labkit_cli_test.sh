#!/usr/bin/env bash
# The ./labkit command line as a newcomer and a script meet it:
#   - every command `./labkit --help` lists has help, both as
#     `./labkit help <command>` and `./labkit <command> --help`;
#   - `grade`'s exit statuses: 0 whatever the score, 2 for bad usage, and with
#     --fail-under, 3 below the bar or when the submission never ran its tests.
# Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

commands="$(./labkit --help | sed -nE 's/^  ([a-z]+)( .*)?$/\1/p')"
[[ -n "$commands" ]] || fail cli-help "./labkit --help lists no commands"
for command in $commands; do
  for form in "help $command" "$command --help"; do
    # shellcheck disable=SC2086
    out="$(./labkit $form 2>&1)"
    status=$?
    if [[ $status -ne 0 ]]; then
      fail "cli-help '$form'" "exit $status: $out"
    elif [[ "$(head -n 1 <<<"$out")" != "Usage: ./labkit $command"* ]]; then
      fail "cli-help '$form'" "does not start with 'Usage: ./labkit $command': $(head -n 1 <<<"$out")"
    fi
  done
done
[[ $failed == 0 ]] && pass "cli-help ($(wc -w <<<"$commands") commands, both forms)"

expect_status() {  # expect_status <name> <status> <labkit args...>
  local name="$1" expected="$2"
  shift 2
  local out
  out="$(./labkit "$@" --color never 2>&1)"
  local status=$?
  if [[ $status -eq $expected ]]; then
    pass "$name (exit $status)"
  else
    fail "$name" "expected exit $expected, got $status: $(tail -n 5 <<<"$out")"
  fi
}
expect_status grade-exit-complete-fail-under-100 0 grade frames examples/frames/complete --fail-under 100
expect_status grade-exit-partial-fail-under-60 3 grade frames examples/frames/partial --fail-under 60
expect_status grade-exit-partial-no-bar 0 grade frames examples/frames/partial
expect_status grade-exit-compile-error-fail-under-0 3 grade frames examples/frames/does-not-compile --fail-under 0
expect_status grade-exit-compile-error-no-bar 0 grade frames examples/frames/does-not-compile

out="$(./labkit grade frames /nonexistent/submission 2>&1)"
[[ $? -eq 2 && "$out" == *"submission not found"* ]] && pass "grade-exit-missing-submission (exit 2)" ||
  fail grade-exit-missing-submission "$out"
out="$(./labkit grade 2>&1)"
[[ $? -eq 2 ]] && pass "grade-exit-no-arguments (exit 2)" || fail grade-exit-no-arguments "$out"
exit "$failed"
