"""Benchmark of class grading: `./labkit bench batch`.

  1. A class of 30 frames submissions (make_class.py: the examples, every
     known-buggy variant, one that hangs in every test, one that fork-bombs in
     every test, a corrupt zip, an empty folder, copies) graded by
     `./labkit batch` with --jobs 1, then with --jobs 2, on a warm grader:
     wall time per submission, and the speed-up.
  2. One warm grade of the complete example (`./labkit grade`, the grader's
     own time for it, median of 3) against its floor: compiling the
     submission's two files with the kit's compiler and flags, linking the
     public and hidden test binaries, and running each once with all its tests
     in one process, unsandboxed (median of 3). The ratio is what sandboxing,
     one process per test and the grader's checks cost.

Prints a Markdown table. Run as root, on an otherwise idle machine.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
LABKIT = str(REPO / "labkit")


def sh(args, **kwargs):
    return subprocess.run(args, check=True, text=True, **kwargs)


def bazel_bin(configs):
    out = sh(["bazel", "info"] + configs + ["bazel-bin"], cwd=REPO, capture_output=True).stdout
    return pathlib.Path(out.strip())


def floor_seconds(submission: pathlib.Path, work: pathlib.Path) -> float:
    """Compile, link and run once, unsandboxed, with the kits' own commands."""
    configs = ["--config=reference", "--config=sanitize"]
    sh(["bazel", "build"] + configs + ["//labs/frames:public_kit", "//labs/frames/hidden:hidden_kit"],
       cwd=REPO, capture_output=True)
    bin_dir = bazel_bin(configs)
    execroot = pathlib.Path(sh(["bazel", "info"] + configs + ["execution_root"], cwd=REPO,
                               capture_output=True).stdout.strip())
    kits = [json.loads((bin_dir / p).read_text())
            for p in ["labs/frames/public_kit.kit.json", "labs/frames/hidden/hidden_kit.kit.json"]]
    sources = sorted((submission / "student").glob("*.cc"))
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", GTEST_COLOR="no")
    start = time.monotonic()
    kit = kits[0]  # both kits compile alike (same compile key): compile once, like the grader
    objects = []
    for source in sources:
        obj = work / (source.stem + ".o")
        cmd = [kit["compiler"]] + kit["compile_flags"] + [f"-D{d}" for d in kit["defines"]]
        for flag, dirs in [("-iquote", kit["quote_includes"]), ("-I", kit["includes"]),
                           ("-isystem", kit["system_includes"])]:
            for d in dirs:
                cmd += [flag, d]
        sh(cmd + ["-c", str(source), "-o", str(obj)], cwd=execroot)
        objects.append(str(obj))
    for index, kit in enumerate(kits):
        binary = work / f"tests-{index}"
        cmd = [kit["linker"], "-o", str(binary)]
        for i in kit["link_inputs"]:
            if i["whole_archive"]:
                cmd += ["-Wl,--whole-archive", i["path"], "-Wl,--no-whole-archive"]
        cmd += objects + [i["path"] for i in kit["link_inputs"] if not i["whole_archive"]]
        sh(cmd + kit["link_flags"], cwd=execroot)
        sh([str(binary)], cwd=work, env=env, capture_output=True)
    return time.monotonic() - start


def warm_grade_seconds(submission: pathlib.Path, work: pathlib.Path) -> float:
    """The grader's own time for one grade (its instructor log's first line)."""
    log = work / "warm.log"
    sh([LABKIT, "grade", "frames", str(submission), "--instructor-log", str(log), "--color",
        "never"], capture_output=True)
    first = log.read_text().splitlines()[0]
    return float(first[first.index("ok (") + 4:].split(" s")[0])


def batch(cls: pathlib.Path, out: pathlib.Path, jobs: int):
    shutil.rmtree(out, ignore_errors=True)
    start = time.monotonic()
    sh([LABKIT, "batch", "frames", str(cls), "--out", str(out), "--jobs", str(jobs),
        "--progress", "lines"], capture_output=True)
    wall = time.monotonic() - start
    records = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/record.json")}
    return wall, records


def main() -> int:
    if os.geteuid() != 0:
        sys.exit("bench.py: run as root (the grader's sandbox)")
    work = pathlib.Path(tempfile.mkdtemp(prefix="labkit-bench-batch-", dir="/tmp"))
    work.chmod(0o755)
    try:
        cls = work / "class"
        sh([sys.executable, str(REPO / "bench/batch/make_class.py"), str(cls)],
           capture_output=True)
        count = len(list(cls.iterdir()))
        sh([LABKIT, "warm", "frames"], capture_output=True)
        wall1, records1 = batch(cls, work / "jobs1", 1)
        wall2, records2 = batch(cls, work / "jobs2", 2)
        for sid in records1:
            one, two = records1[sid], records2[sid]
            if (one["score"], one["status"]) != (two["score"], two["status"]):
                print(f"note: {sid}: {one['score']} ({one['status']}) with --jobs 1, "
                      f"{two['score']} ({two['status']}) with --jobs 2")
        warm = sorted(warm_grade_seconds(REPO / "examples/frames/complete", work)
                      for _ in range(3))[1]
        floors = [floor_seconds(REPO / "examples/frames/complete", work) for _ in range(3)]
        floor = sorted(floors)[1]
        print(f"frames class of {count} submissions (bench/batch/make_class.py), "
              f"{os.cpu_count()} cores\n")
        print("| measurement | wall time | per submission | ratio |")
        print("|---|---|---|---|")
        print(f"| `batch --jobs 1` | {wall1:.1f} s | {wall1 / count:.2f} s | 1.00 |")
        print(f"| `batch --jobs 2` | {wall2:.1f} s | {wall2 / count:.2f} s | "
              f"{wall1 / wall2:.2f}x faster |")
        print(f"| one warm grade of examples/frames/complete | {warm:.2f} s | | "
              f"{warm / floor:.2f}x its floor |")
        print(f"| its floor: compile, link, run all tests once, unsandboxed (median of 3) | "
              f"{floor:.2f} s | | 1.00 |")
        slowest = sorted(records1.values(), key=lambda r: -r["seconds"])[:3]
        print("\nslowest with --jobs 1: " + ", ".join(
            f"{r['id']} {r['seconds']:.0f} s ({r['status']})" for r in slowest))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
