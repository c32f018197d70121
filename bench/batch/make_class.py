"""Makes a class of frames submissions for the batch benchmark and tests.

    python3 bench/batch/make_class.py OUT [--count N]

OUT gets N submissions (default 30), the first N of: the bundled examples
(complete, partial, does-not-compile), a corrupt zip, an empty folder, the
reference with each known bug applied (labs/frames/buggy/*.patch), one that
hangs in every test, one that fork-bombs in every test, then copies of the
complete and partial examples, each with a comment of its own so that no two
uploads are the same. --no-hogs leaves out the hang and the fork bomb.
"""
import argparse
import pathlib
import shutil
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
FILES = ["frame_stack.cc", "traceback.cc"]

# Appended to a correct traceback.cc: every test process hangs, or fork-bombs,
# before its test runs (a static initialiser).
HANG = """
namespace frames {
namespace {
struct HangForever {
  HangForever() {
    for (volatile unsigned long spin = 0;; spin = spin + 1) {
    }
  }
};
HangForever hang_forever;
}  // namespace
}  // namespace frames
"""
FORK_BOMB = """
#include <unistd.h>
namespace frames {
namespace {
struct ForkForever {
  ForkForever() {
    for (;;) fork();
  }
};
ForkForever fork_forever;
}  // namespace
}  // namespace frames
"""


def copy_example(name: str, dest: pathlib.Path) -> None:
    shutil.copytree(REPO / "examples/frames" / name / "student", dest / "student")


def partial_copy(copy: int):
    def make(dest):
        copy_example("partial", dest)
        with open(dest / "student/frame_stack.cc", "a", encoding="utf-8") as f:
            f.write(f"// copy {copy}\n")
    return f"partial-copy{copy}", make


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--no-hogs", action="store_true",
                        help="leave out the submissions that hang or fork-bomb in every test")
    args = parser.parse_args()
    out: pathlib.Path = args.out
    if out.exists() and any(out.iterdir()):
        sys.exit(f"make_class.py: {out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    makers = []

    def example(name):
        return name, lambda dest: copy_example(name, dest)

    for name in ["complete", "partial", "does-not-compile"]:
        makers.append(example(name))
    makers.append(("corrupt.zip", lambda dest: dest.write_bytes(b"PK\x03\x04 this zip was cut off")))
    makers.append(("empty", lambda dest: dest.mkdir()))

    def buggy(patch):
        def make(dest):
            shutil.copytree(REPO / "solutions/frames", dest, ignore=shutil.ignore_patterns("BUILD"))
            subprocess.run(["patch", "-p1", "--batch", "--quiet", "-i", str(patch)], cwd=dest,
                           check=True)
        return "bug-" + patch.stem, make

    for patch in sorted((REPO / "labs/frames/buggy").glob("*.patch")):
        makers.append(buggy(patch))

    def appended(name, code):
        def make(dest):
            copy_example("complete", dest)
            with open(dest / "student/traceback.cc", "a", encoding="utf-8") as f:
                f.write(code)
        return name, make

    if not args.no_hogs:
        makers += [appended("hangs", HANG), appended("fork-bomb", FORK_BOMB)]
    copy = 0
    while len(makers) < args.count:
        copy += 1
        base = "complete" if copy % 2 else "partial"
        makers.append(appended(f"{base}-copy{copy}", f"// copy {copy}\n") if base == "complete"
                      else partial_copy(copy))
    made = []
    for name, make in makers[: args.count]:
        make(out / name)
        made.append(name)
    print(f"make_class.py: {len(made)} submissions in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
