"""End-to-end tests of grading a class, through ./labkit as an instructor runs it.

    python3 grader/tests/e2e/class_e2e.py          (as root, from anywhere)

  - kill_and_resume: a class of frames submissions graded with --jobs 2, killed
    with SIGKILL mid-way (20 s in, or once a third is graded if that comes
    first), then finished with --resume: every score and status in the
    gradebook equals `./labkit grade` of that submission alone;
  - report_in_chromium: report.html, rendered by headless Chromium from
    Debian (installed here if missing), shows both charts (their bar colours
    fill part of the screenshot) and the class's numbers;
  - slurm_shards: the same class on a one-node Slurm cluster started on this
    machine (slurm_cluster.sh), two array tasks and a merge job
    (tools/slurm/grade-class.sh): the merged gradebook equals the batch's.

Prints "PASS name" or "FAIL name: why" per test and exits 1 if any failed.
"""
import csv
import json
import os
import pathlib
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

REPO = pathlib.Path(__file__).resolve().parents[3]
LABKIT = str(REPO / "labkit")


class Failure(Exception):
    pass


def run(args, **kwargs):
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.STDOUT)
    result = subprocess.run(args, text=True, **kwargs)
    return result


def gradebook(path: pathlib.Path) -> dict:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["submission"]: (row["score"], row["status"]) for row in csv.DictReader(f)}


# --- a tiny PNG reader: enough for Chromium's 8-bit RGB(A) screenshots ---------

def read_png(path: pathlib.Path):
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure(f"{path} is not a PNG")
    at, idat, width, height, channels = 8, b"", 0, 0, 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6):
                raise Failure(f"unexpected PNG format (depth {depth}, colour type {color})")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + pred) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def count_color(png, rgb, tolerance=12):
    width, height, channels, rows = png
    count = 0
    for row in rows:
        for x in range(0, width * channels, channels):
            if all(abs(row[x + i] - rgb[i]) <= tolerance for i in range(3)):
                count += 1
    return count


# --- the tests ----------------------------------------------------------------

def kill_and_resume(work: pathlib.Path, env: dict):
    cls = work / "class"
    made = run([sys.executable, str(REPO / "bench/batch/make_class.py"), str(cls), "--count", "7",
                "--no-hogs"])
    if made.returncode != 0:
        raise Failure("make_class.py: " + made.stdout)
    # Each submission graded alone.
    alone = {}
    for entry in sorted(cls.iterdir()):
        sid = entry.name[:-4] if entry.name.endswith(".zip") else entry.name
        results = work / f"alone-{sid}.json"
        graded = run([LABKIT, "grade", "frames", str(entry), "--results", str(results),
                      "--color", "never"], env=env)
        if graded.returncode != 0:
            raise Failure(f"./labkit grade {entry.name} exited {graded.returncode}:\n"
                          + graded.stdout[-2000:])
        r = json.loads(results.read_text())
        alone[sid] = (f"{r['score']:.2f}", r["extra_data"]["status"])
    # The batch, killed mid-way.
    out = work / "grades"
    batch = subprocess.Popen([LABKIT, "batch", "frames", str(cls), "--out", str(out), "--jobs", "2",
                              "--progress", "lines"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    start, graded_before_kill = time.monotonic(), 0
    while batch.poll() is None and time.monotonic() - start < 20:
        journal = out / "journal.log"
        graded_before_kill = journal.read_text().count(" graded ") if journal.exists() else 0
        if graded_before_kill >= 3:
            break
        time.sleep(0.2)
    if batch.poll() is not None:
        raise Failure("the batch finished before it could be killed:\n" + batch.stdout.read())
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait()
    if (out / "gradebook.csv").exists():
        raise Failure("a gradebook was written before the batch finished")
    resumed = run([LABKIT, "batch", "frames", str(cls), "--out", str(out), "--jobs", "2",
                   "--resume", "--progress", "lines"], env=env)
    if resumed.returncode != 0:
        raise Failure("--resume exited %d:\n%s" % (resumed.returncode, resumed.stdout[-3000:]))
    book = gradebook(out / "gradebook.csv")
    if book != alone:
        raise Failure(f"gradebook {book}\n  differs from grading alone {alone}")
    return f"{len(book)} submissions, killed after {graded_before_kill} were graded"


def report_in_chromium(work: pathlib.Path, env: dict):
    report = work / "grades/report.html"
    if not report.exists():
        raise Failure("no report.html (kill_and_resume failed?)")
    if shutil.which("chromium") is None:
        installed = run(["apt-get", "install", "-y", "-q", "chromium"],
                        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if installed.returncode != 0:
            raise Failure("cannot install chromium:\n" + installed.stdout[-2000:])
    flags = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={work / 'chromium-profile'}",
             "--hide-scrollbars", "--window-size=1280,1100"]
    shot = work / "report.png"
    taken = run(flags + [f"--screenshot={shot}", report.as_uri()], timeout=120)
    if not shot.exists():
        raise Failure("chromium wrote no screenshot:\n" + taken.stdout[-2000:])
    dom = run(flags + ["--dump-dom", report.as_uri()], timeout=120).stdout
    png = read_png(shot)
    histogram = count_color(png, (37, 99, 235))
    items = count_color(png, (22, 163, 74))
    # A bar chart with bars fills thousands of pixels with its colour; an
    # empty canvas fills none (the rubric table's small bars are blue too, so
    # the green rubric chart is the stricter check).
    if histogram < 2000 or items < 2000:
        raise Failure(f"the charts look empty: {histogram} histogram and {items} rubric pixels")
    book = gradebook(work / "grades/gradebook.csv")
    mean = sum(float(score) for score, _ in book.values()) / len(book)
    for expected in [f'id="count">submissions<b>{len(book)}</b>', f"<b>{mean:.2f}</b>",
                     "The tests most students fail", "does-not-compile"]:
        if expected not in dom:
            raise Failure(f"the rendered page lacks {expected!r}")
    return f"{histogram} histogram and {items} rubric-chart pixels; numbers present"


def slurm_shards(work: pathlib.Path, env: dict):
    cluster = work / "slurm"
    started = run([str(REPO / "grader/tests/e2e/slurm_cluster.sh"), "start", str(cluster)])
    if started.returncode != 0:
        raise Failure("cannot start a one-node Slurm cluster:\n" + started.stdout[-3000:])
    slurm_env = dict(env, SLURM_CONF=str(cluster / "slurm.conf"))
    try:
        out = work / "slurm-grades"
        submitted = run([str(REPO / "tools/slurm/grade-class.sh"), "frames", str(work / "class"),
                         str(out), "2"], env=slurm_env)
        if submitted.returncode != 0:
            raise Failure("grade-class.sh: " + submitted.stdout)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            queue = run(["squeue", "-h"], env=slurm_env).stdout.strip()
            if not queue:
                break
            time.sleep(2)
        else:
            raise Failure("the Slurm jobs did not finish in 15 minutes")
        merged = out / "class/gradebook.csv"
        if not merged.exists():
            logs = "".join(f"\n== {p.name}\n{p.read_text()[-1500:]}"
                           for p in sorted((out / "slurm-logs").glob("*.log")))
            raise Failure("no merged gradebook; the jobs' logs:" + logs)
        if merged.read_text() != (work / "grades/gradebook.csv").read_text():
            raise Failure("the merged gradebook differs from the unsharded batch's")
        shards = sorted(p.name for p in out.glob("shard-*"))
        return f"2 array tasks ({', '.join(shards)}) and a merge job; gradebooks equal"
    finally:
        run([str(REPO / "grader/tests/e2e/slurm_cluster.sh"), "stop", str(cluster)])


def main() -> int:
    if os.geteuid() != 0:
        print("class_e2e.py: needs root (the sandbox switches uids; Slurm's daemons)")
        return 2
    work = pathlib.Path(tempfile.mkdtemp(prefix="labkit-e2e-", dir="/tmp"))
    work.chmod(0o755)
    env = dict(os.environ, LABKIT_CACHE_DIR=os.environ.get("LABKIT_E2E_CACHE_DIR",
                                                            "/var/tmp/labkit-e2e-cache"))
    failed = 0
    try:
        for test in [kill_and_resume, report_in_chromium, slurm_shards]:
            start = time.monotonic()
            try:
                note = test(work, env)
                print(f"PASS {test.__name__} ({time.monotonic() - start:.0f} s): {note}", flush=True)
            except (Failure, subprocess.TimeoutExpired, OSError) as e:
                failed += 1
                print(f"FAIL {test.__name__} ({time.monotonic() - start:.0f} s): {e}", flush=True)
    finally:
        if os.environ.get("LABKIT_KEEP_E2E"):
            print(f"class_e2e.py: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
