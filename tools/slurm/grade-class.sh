#!/usr/bin/env bash
# Grades a class on a Slurm cluster: one array task per shard, then one job
# that merges the shards into a single gradebook and class report.
#
#   tools/slurm/grade-class.sh <lab> <submissions> <out> <shards> [sbatch options...]
#
# <submissions> and <out> must be on a file system every node sees (as the
# repository must); each node needs labkit's packages (./labkit setup). The
# array task K runs `./labkit batch --shard K/<shards>` into <out>/shard-K with
# --resume, so a task that Slurm requeues continues where it stopped; the merge
# job runs once all of them succeeded and writes <out>/class. Prints the two
# job ids. Extra arguments go to both sbatch calls (e.g. --partition=..., --account=...).
#
# Each task uses node-local disk for Bazel and the grader's cache unless
# LABKIT_BAZEL_STARTUP / LABKIT_CACHE_DIR are set (they are passed through).
set -euo pipefail
if [[ $# -lt 4 ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
lab="$1" submissions="$2" out="$3" shards="$4"
shift 4
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "grade-class.sh: <shards> must be a positive number" >&2; exit 2; }
[[ -e "$submissions" ]] || { echo "grade-class.sh: not found: $submissions" >&2; exit 2; }
submissions="$(cd "$(dirname "$submissions")" && pwd)/$(basename "$submissions")"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
mkdir -p "$out/slurm-logs"

export LABKIT_REPO="$repo" LABKIT_LAB="$lab" LABKIT_SUBMISSIONS="$submissions" LABKIT_OUT="$out"
array_job="$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" \
  --job-name="labkit-$lab" --output="$out/slurm-logs/shard-%a.log" "$@" \
  "$repo/tools/slurm/shard.sbatch")"
merge_job="$(sbatch --parsable --export=ALL --dependency="afterok:${array_job%%;*}" \
  --job-name="labkit-$lab-merge" --output="$out/slurm-logs/merge.log" "$@" \
  "$repo/tools/slurm/merge.sbatch")"
echo "shards: job ${array_job%%;*} (array 0-$((shards - 1))); merge: job ${merge_job%%;*}"
echo "the gradebook will be $out/class/gradebook.csv"
