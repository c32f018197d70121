"""The CPython half of the frames benchmark (bench/frames/bench.cc runs it).

Usage: python3 fib.py REPS WORKLOAD...   where WORKLOAD is fib:N or deep:DEPTH:TIMES

For each workload and each of REPS repetitions prints one line
    <workload> <calls> <ns per call>
timing only the computation (time.perf_counter_ns), not start-up.
"""
import sys
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def down(n):
    return 0 if n == 0 else down(n - 1) + 1


def run(workload):
    kind, *args = workload.split(":")
    if kind == "fib":
        n = int(args[0])
        start = time.perf_counter_ns()
        fib(n)
        elapsed = time.perf_counter_ns() - start
        a, b = 0, 1  # calls = 2 * F(n + 1) - 1
        for _ in range(n + 1):
            a, b = b, a + b
        return 2 * a - 1, elapsed
    if kind == "deep":
        depth, times = int(args[0]), int(args[1])
        start = time.perf_counter_ns()
        for _ in range(times):
            down(depth)
        elapsed = time.perf_counter_ns() - start
        return (depth + 1) * times, elapsed
    raise SystemExit(f"unknown workload {workload}")


def main():
    reps = int(sys.argv[1])
    sys.setrecursionlimit(10000)
    for workload in sys.argv[2:]:
        run(workload)  # warm-up (lets 3.11+ specialise the bytecode)
        for _ in range(reps):
            calls, elapsed = run(workload)
            print(f"{workload} {calls} {elapsed / calls:.3f}", flush=True)


if __name__ == "__main__":
    main()
