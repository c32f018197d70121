"""Checks a student repository made by `./labkit export`, as a student finds it.

    python3 grader/tests/e2e/check_student_repo.py REPO

  - every path its README.md names (in `code` or as a link) exists there, with
    <lab> read as each lab in turn, and every `./labkit <command>` it shows is
    a command that works there;
  - `./labkit --help` there lists no instructor command, and running one says
    plainly that it is an instructor's command.
Prints what is wrong and exits 1, or exits 0.
"""
import pathlib
import re
import subprocess
import sys

LABS = ["frames", "refcount", "pymalloc", "cyclegc", "gil"]
INSTRUCTOR = ["batch", "merge", "check", "gradescope", "warm", "export", "bench", "test"]


def main(repo: pathlib.Path) -> int:
    problems = []
    readme = (repo / "README.md").read_text(encoding="utf-8")
    if "solutions/" in readme or "examples/" in readme or "instructor's" in readme.lower():
        problems.append("the README talks about instructors' material")
    names = re.findall(r"`([^`\n]+)`", readme) + re.findall(r"\]\(([^)\s]+)\)", readme)
    for name in names:
        if name.startswith("./labkit"):
            words = name.split()
            if len(words) > 1 and words[1] in INSTRUCTOR:
                problems.append(f"the README shows an instructor's command: {name}")
            continue
        looks_like_path = (("/" in name or name.endswith((".md", ".cc", ".h")))
                           and " " not in name and not name.startswith("."))
        if not looks_like_path or name.startswith(("http", "-")):
            continue
        for lab in LABS if "<lab>" in name else [None]:
            path = name.replace("<lab>", lab) if lab else name
            if "<" in path or "*" in path:
                continue
            if not (repo / path).exists():
                problems.append(f"the README names {path}, which the repository does not have")
    usage = subprocess.run([str(repo / "labkit"), "--help"], capture_output=True, text=True).stdout
    listed = re.findall(r"^  ([a-z]+)", usage, re.MULTILINE)
    for command in INSTRUCTOR:
        if command in listed:
            problems.append(f"./labkit --help lists the instructor's command {command}")
    refused = subprocess.run([str(repo / "labkit"), "check", "frames"], capture_output=True,
                             text=True)
    if refused.returncode != 2 or "instructor's command" not in refused.stderr:
        problems.append("./labkit check in a student repository did not refuse plainly: "
                        + refused.stderr[:300])
    for problem in problems:
        print("check_student_repo.py:", problem)
    if not problems:
        print(f"check_student_repo.py: README names {len(names)} things, all there; "
              "instructor commands refused")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
