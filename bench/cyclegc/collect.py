"""The CPython half of the cyclegc benchmark (bench/cyclegc/bench.cc runs it).

Usage: python3 collect.py REPS WORKLOAD...   where WORKLOAD is SHAPE:N, or "baseline"
       python3 collect.py --serve             (what bench.cc runs)

For each workload and each of REPS repetitions prints one line
    <workload> <objects found by gc.collect()> <ns per object>
and for "baseline"
    baseline <ns per gc.collect()>
timing only gc.collect() (time.perf_counter_ns), never the construction, which runs with
gc.disable(). With --serve it reads workloads from stdin, one a line, and answers each with
one repetition's line until stdin closes: bench.cc alternates the two sides repetition by
repetition.

The shapes are labs/cyclegc/tests/graphs.cc's, built the same way with the same counts and
edges: lists for its lists, and for its instances classes with __slots__ (one slot per
instance slot, so an object is a GC header, an object header and its slots, as there).

  ring:N     N instances, slot 0 holding the next, the last's the first          (garbage)
  clique:N   N lists, each holding all N in order (N * N references)             (garbage)
  tree:N     a complete binary tree of N instances (left, right, parent)         (garbage)
  random:N   N lists, each holding the next and 4 others from xorshift64          (garbage)
  live:N     a list holding N instances, each with a fresh int and a fresh str   (survives)

What the interpreter itself has tracked (modules, functions, classes: about 11,000 objects
in python3.11 running this script) would be walked by every gc.collect() as well.
gc.freeze() at start-up moves them all into the permanent generation, which no collection
looks at; what is left of that fixed cost -- the "baseline", one gc.collect() with none of
our objects alive -- is measured before each timed collection and subtracted from it.
"""
import array
import gc
import sys
import time

RANDOM_DEGREE = 4  # bench.cc's kRandomDegree
RANDOM_SEED = 0x9E3779B97F4A7C15  # bench.cc's kRandomSeed
MASK64 = (1 << 64) - 1


class RingNode:  # InstanceNew(1)
    __slots__ = ("next",)


class TreeNode:  # InstanceNew(3)
    __slots__ = ("left", "right", "parent")


class LiveObject:  # InstanceNew(2)
    __slots__ = ("number", "text")


def make_ring(n):
    first = RingNode()
    last = first
    for _ in range(n - 1):
        node = RingNode()
        last.next = node
        last = node
    last.next = first


def make_clique(n):
    lists = [[] for _ in range(n)]
    for source in lists:
        for target in lists:
            source.append(target)


def make_tree(n):
    nodes = [TreeNode() for _ in range(n)]
    for i in range(1, n):
        parent = nodes[(i - 1) // 2]
        child = nodes[i]
        if i % 2 == 1:
            parent.left = child
        else:
            parent.right = child
        child.parent = parent


# MakeRandomGraph's targets (xorshift64 from the seed), computed once per size: the same graph
# every repetition, as on the C++ side. An array, not a list: it is not a GC object, so no
# collection walks it.
_random_targets = {}


def random_targets(n):
    if n not in _random_targets:
        targets = array.array("q")
        x = RANDOM_SEED | 1
        for i in range(n):
            targets.append((i + 1) % n)
            for _ in range(RANDOM_DEGREE):
                x ^= (x << 13) & MASK64
                x ^= x >> 7
                x ^= (x << 17) & MASK64
                targets.append(x % n)
        _random_targets[n] = targets
    return _random_targets[n]


def make_random(n):
    targets = random_targets(n)
    lists = [[] for _ in range(n)]
    k = 0
    for source in lists:
        for _ in range(RANDOM_DEGREE + 1):
            source.append(lists[targets[k]])
            k += 1


def make_live(n):
    holder = []
    for i in range(n):
        obj = LiveObject()
        obj.number = 1000 + i
        obj.text = "payload%d" % i  # a fresh str (a literal would be one shared object)
        holder.append(obj)
    return holder


GARBAGE = {"ring": make_ring, "clique": make_clique, "tree": make_tree, "random": make_random}


def timed_collect():
    start = time.perf_counter_ns()
    found = gc.collect()
    return found, time.perf_counter_ns() - start


def baseline_ns():
    gc.collect()
    return timed_collect()[1]


def run(shape, n):
    """One repetition: builds the shape, returns (objects found, ns per object)."""
    base = baseline_ns()
    if shape == "live":
        holder = make_live(n)
        found, elapsed = timed_collect()
        del holder  # freed by refcounting, outside the timing
    else:
        GARBAGE[shape](n)  # everything it built is garbage once it returns
        found, elapsed = timed_collect()
    return found, max(elapsed - base, 0) / n


def repetition(workload):
    """One repetition of `workload` as its output line."""
    if workload == "baseline":
        return f"baseline {baseline_ns()}"
    shape, n = workload.split(":")
    found, ns = run(shape, int(n))
    return f"{workload} {found} {ns:.3f}"


def main():
    gc.disable()
    gc.collect()
    gc.freeze()  # the interpreter's own objects: out of every collection
    if sys.argv[1] == "--serve":
        for line in sys.stdin:
            print(repetition(line.strip()), flush=True)
        return
    reps = int(sys.argv[1])
    for workload in sys.argv[2:]:
        for _ in range(reps):
            print(repetition(workload), flush=True)


if __name__ == "__main__":
    main()
