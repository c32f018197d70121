#!/usr/bin/env python3
"""Cuts a raw trace from record.c down to a workload's window, as a compact trace.

Keeps the events between the workload's two marker allocations (workloads/_marker.py),
at most --max-events of them, and renames blocks so that ids are small and reused
lowest-first. A free or realloc of a block allocated before the window is dropped (free)
or becomes an allocation (realloc). Blocks still live at the end are left live: the
replayer frees them. Output: a '# ...' header line, then one event per line.
"""
import argparse
import heapq
import sys

MARKER_SIZE = 123457 + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("out")
    ap.add_argument("--name", required=True)
    ap.add_argument("--max-events", type=int, default=120000)
    args = ap.parse_args()

    events = []
    inside = False
    with open(args.raw) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "a" and int(parts[2]) == MARKER_SIZE:
                if inside:
                    break
                inside = True
                continue
            if inside:
                events.append(parts)
    if not inside:
        sys.exit("compact.py: no marker in " + args.raw)

    rename = {}      # raw id -> compact id
    free_ids = []    # heap of released compact ids
    next_id = 0
    out = []

    def new_id():
        nonlocal next_id
        if free_ids:
            return heapq.heappop(free_ids)
        next_id += 1
        return next_id - 1

    for parts in events:
        if len(out) >= args.max_events:
            break
        op, raw = parts[0], int(parts[1])
        if op == "a":
            if raw in rename:  # cannot happen in a well-formed raw trace
                continue
            rename[raw] = new_id()
            out.append("a %d %s" % (rename[raw], parts[2]))
        elif op == "r":
            if raw in rename:
                out.append("r %d %s" % (rename[raw], parts[2]))
            else:
                rename[raw] = new_id()
                out.append("a %d %s" % (rename[raw], parts[2]))
        elif op == "f":
            if raw in rename:
                cid = rename.pop(raw)
                heapq.heappush(free_ids, cid)
                out.append("f %d" % cid)
    with open(args.out, "w") as f:
        f.write("# %s: %d events, %d ids, recorded from python3 %s with PYTHONMALLOC=malloc\n"
                % (args.name, len(out), next_id, sys.version.split()[0]))
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
