#!/bin/sh
# Records the pymalloc lab's Python traces: each workload in workloads/ runs under
# python3 with PYTHONMALLOC=malloc (so every object allocation reaches malloc) and the
# record.c interposer; compact.py keeps the workload's window and names blocks by ids.
#
#   tools/traces/record.sh [OUT_DIR [HIDDEN_DIR]]
#
# Defaults: labs/pymalloc/traces, and labs/pymalloc/hidden/traces for the workloads the
# hidden tests keep to themselves (compile_ast, objects_churn). Needs a C compiler and
# python3. Traces are written gzip-compressed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../labs/pymalloc/traces}
hidden=${2:-$here/../../labs/pymalloc/hidden/traces}
python=${PYTHON:-python3}
max_events=${MAX_EVENTS:-120000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cc -O2 -shared -fPIC -o "$work/librecord.so" "$here/record.c" -ldl -lpthread
mkdir -p "$out" "$hidden"
for script in "$here"/workloads/[a-z]*.py; do
  name=$(basename "$script" .py)
  (cd "$here/workloads" &&
    TRACE_OUT="$work/$name.raw" LD_PRELOAD="$work/librecord.so" PYTHONMALLOC=malloc \
      PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 "$python" "$script")
  "$python" "$here/compact.py" --name "$name" --max-events "$max_events" \
    "$work/$name.raw" "$work/$name.trace"
  case $name in
    compile_ast | objects_churn) dest=$hidden ;;
    *) dest=$out ;;
  esac
  gzip -9n < "$work/$name.trace" > "$dest/$name.trace.gz"
  echo "$name: $(head -1 "$work/$name.trace")"
done
