"""The CPython half of the refcount benchmark (bench/refcount/bench.cc runs it).

Usage: python3 churn.py REPS WORKLOAD...   where WORKLOAD is NAME:N

For each workload and each of REPS repetitions prints one line
    <workload> <operations> <ns per operation>
timing only the loop (time.perf_counter_ns), not start-up. Each loop is the Python that the
C++ side mirrors with the lab's object model; see bench.cc for the correspondence.
"""
import sys
import time


def assign(n):
    # b = a: one INCREF of a, one DECREF of b's old value, per iteration.
    a = object()
    b = None
    for _ in range(n):
        b = a
    return n


def ints(n):
    # A new int object (not in the small-int cache) made and freed per iteration.
    x = None
    for i in range(n):
        x = i + 1000
    return n


def tuples(n):
    # A 3-tuple of existing objects built and dropped per iteration.
    a, b, c = "a", 1000, None
    t = None
    for _ in range(n):
        t = (a, b, c)
    return n


def lists(n):
    # A list that grows to 10 items by append, then is dropped: n lists.
    for _ in range(n):
        lst = []
        for j in range(10):
            lst.append(j)
    return n


def nested(n):
    # [[[...]]] n deep, then freed through the trashcan: one level built and freed per op.
    x = []
    for _ in range(n - 1):
        x = [x]
    del x
    return n


WORKLOADS = {"assign": assign, "ints": ints, "tuples": tuples, "lists": lists, "nested": nested}


def main():
    reps = int(sys.argv[1])
    for workload in sys.argv[2:]:
        name, n = workload.split(":")
        fn, n = WORKLOADS[name], int(n)
        fn(n)  # warm-up (lets 3.11+ specialise the bytecode)
        for _ in range(reps):
            start = time.perf_counter_ns()
            ops = fn(n)
            elapsed = time.perf_counter_ns() - start
            print(f"{workload} {ops} {elapsed / ops:.3f}", flush=True)


if __name__ == "__main__":
    main()
