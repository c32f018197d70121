"""The CPython half of the gil benchmark (bench/gil/bench.cc runs it).

Usage: python3 gil_bench.py REPS

Prints one line per measurement and repetition:
    handoff <ns per hand-off>
    wakeup:<alone|cpu>:<interval us> <us of extra wake-up latency>
timing with time.perf_counter_ns. The measurements mirror bench.cc's exactly:

  handoff   two threads pass control back and forth through two locks; each hand-off is one
            thread releasing a lock the other is blocked on and then blocking itself (so the
            GIL changes hands once per hand-off).
  wakeup    an I/O-like thread sleeps 1 ms (a blocking call: the GIL is released) and measures
            how much longer than 1 ms the sleep took until it runs Python again; alone, and
            beside a CPU-bound thread (the convoy effect: it must wait for the CPU-bound
            thread to drop the GIL, up to one switch interval).
"""
import sys
import threading
import time

HANDOFFS = 20000
SLEEP_NS = 1_000_000
WAKEUPS = 50


def handoff():
    la, lb = threading.Lock(), threading.Lock()
    la.acquire()
    lb.acquire()

    def a():
        for _ in range(HANDOFFS // 2):
            lb.release()
            la.acquire()

    def b():
        for _ in range(HANDOFFS // 2):
            lb.acquire()
            la.release()

    tb = threading.Thread(target=b)
    tb.start()
    start = time.perf_counter_ns()
    a()
    elapsed = time.perf_counter_ns() - start
    tb.join()
    return elapsed / HANDOFFS


def wakeup(beside_cpu, interval_us):
    sys.setswitchinterval(interval_us / 1e6)
    stop = False

    def spin():
        x = 0
        while not stop:
            x += 1

    spinner = None
    if beside_cpu:
        spinner = threading.Thread(target=spin)
        spinner.start()
        time.sleep(0.01)
    extra = []
    for _ in range(WAKEUPS):
        t0 = time.perf_counter_ns()
        time.sleep(SLEEP_NS / 1e9)
        extra.append(time.perf_counter_ns() - t0 - SLEEP_NS)
    stop = True
    if spinner:
        spinner.join()
    sys.setswitchinterval(0.005)
    extra.sort()
    return extra[len(extra) // 2] / 1000


def main():
    reps = int(sys.argv[1])
    for _ in range(reps):
        print(f"handoff {handoff():.1f}", flush=True)
    for interval in (5000, 1000):
        for beside in (False, True):
            for _ in range(reps):
                name = f"wakeup:{'cpu' if beside else 'alone'}:{interval}"
                print(f"{name} {wakeup(beside, interval):.1f}", flush=True)


if __name__ == "__main__":
    main()
