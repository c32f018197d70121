#!/usr/bin/env bash
# The Gradescope bundle in a simulated /autograder, in the fallback sandbox
# mode (no namespaces, as in Gradescope's containers): builds the bundle for
# frames, runs its setup.sh and run_autograder as Gradescope would, and grades
# a correct submission that also tries, from every test process, to read the
# solution, the hidden tests and the grader's cache, and to write results.
# Passes if the submission scores as a correct one with one test failed on
# purpose, every attempt was refused, and nothing of the solution or the
# hidden tests is in results.json.
#
#   grader/tests/gradescope/simulate.sh          (as root, from the repository)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$REPO"
[[ "$(id -u)" == 0 ]] || { echo "simulate.sh: needs root, as Gradescope's run does" >&2; exit 2; }

work="$(mktemp -d /tmp/labkit-gradescope-XXXXXX)"
chmod 0755 "$work"
root="$work/autograder"
cleanup() {
  (cd "$root/source" 2>/dev/null && LABKIT_BAZEL_STARTUP="--output_base=$work/bazel" \
    bazel --output_base="$work/bazel" shutdown >/dev/null 2>&1) || true
  rm -rf "$work"
}
[[ -n "${LABKIT_KEEP_SIMULATION:-}" ]] || trap cleanup EXIT

fail() { echo "simulate.sh: FAILED: $*" >&2; exit 1; }

./labkit gradescope frames "$work/autograder.zip"
mkdir -p "$root/source" "$root/submission/student"
chmod 0755 "$root"
unzip -q "$work/autograder.zip" -d "$root/source"

# Only what frames needs went into the bundle.
[[ -f "$root/source/solutions/frames/student/frame_stack.cc" ]] || fail "the bundle lacks the solution"
for absent in labs/refcount handouts examples bench grader/tests docs .ci; do
  [[ ! -e "$root/source/$absent" ]] || fail "the bundle ships $absent"
done

cp examples/frames/complete/student/*.cc "$root/submission/student/"
sed "s|@ROOT@|$root|g" grader/tests/gradescope/steal.inc >>"$root/submission/student/traceback.cc"

export AUTOGRADER_ROOT="$root"
export LABKIT_BAZEL_STARTUP="--output_base=$work/bazel"
bash "$root/source/setup.sh" >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; fail "setup.sh"; }
[[ "$(stat -c %a "$root/source")" == 700 ]] || fail "setup.sh left the source tree open"

LABKIT_ISOLATION=rlimits bash "$root/source/run_autograder" >"$work/stdout.log" 2>"$work/stderr.log" ||
  { cat "$work/stderr.log"; fail "run_autograder"; }
results="$root/results/results.json"
[[ -f "$results" ]] || { cat "$work/stderr.log"; fail "no results.json"; }

python3 - "$results" "$work/stdout.log" "$REPO" <<'PY'
import json, pathlib, sys
results_path, stdout_path, repo = sys.argv[1:]
text = pathlib.Path(results_path).read_text()
results = json.loads(text)
log = pathlib.Path(stdout_path).read_text()
problems = []
# One public test fails on purpose (steal.inc), the rest pass.
if not 90 <= results["score"] < 100:
    problems.append(f"score {results['score']}, expected 90..100 (one test fails on purpose)")
if "rlimits-only" not in log and "reduced isolation" not in log:
    problems.append("the grade did not run in the fallback mode")
attempts = [line for line in log.splitlines() if "attack: " in line]
if not attempts:
    problems.append("the attack never ran")
for line in attempts:
    if "attack: DENIED " not in line:
        problems.append("not refused: " + line[:200])
secrets = [pathlib.Path(repo, "solutions/frames/student/frame_stack.cc"),
           pathlib.Path(repo, "labs/frames/hidden/chunk_edges_test.cc")]
for secret in secrets:
    for line in secret.read_text().splitlines():
        line = line.strip()
        if len(line) > 30 and line in text:
            problems.append(f"results.json holds a line of {secret.name}: {line}")
for problem in problems:
    print("simulate.sh:", problem)
print(f"simulate.sh: {len(attempts)} attempts, all refused; score {results['score']}"
      if not problems else "simulate.sh: FAILED")
sys.exit(1 if problems else 0)
PY
