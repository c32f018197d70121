"""The @submission repository: a student's files, to build a lab against with Bazel.

    LABKIT_SUBMISSION=frames=/path/to/submission bazel test \
        --define labkit_impl=submission //labs/frames/...

$LABKIT_SUBMISSION is a comma-separated list of LAB=DIR. DIR holds the lab's
allow-listed files at their relative paths (as solutions/<lab> does). Each lab
gets a filegroup @submission//:<lab>; labs not named get an empty one.
The grader does not use this: it compiles submissions itself, in a sandbox.
"""

_LABS = ["frames", "refcount", "pymalloc", "cyclegc", "gil"]

def _list_files(repository_ctx, root):
    # Bazel 4.2's path objects cannot tell files from directories; ask find(1).
    result = repository_ctx.execute(["find", ".", "-type", "f"], working_directory = root)
    if result.return_code != 0:
        fail("cannot list LABKIT_SUBMISSION directory %s: %s" % (root, result.stderr))
    # Only sources: a BUILD file in DIR (solutions/<lab> has one) would make a subpackage.
    return sorted([
        line[2:]
        for line in result.stdout.splitlines()
        if line.startswith("./") and (line.endswith(".cc") or line.endswith(".h"))
    ])

def _submission_repository_impl(repository_ctx):
    spec = repository_ctx.os.environ.get("LABKIT_SUBMISSION", "")
    dirs = {}
    for item in [s for s in spec.split(",") if s]:
        if "=" not in item:
            fail("LABKIT_SUBMISSION must be LAB=DIR[,LAB=DIR...], got: " + item)
        lab, directory = item.split("=", 1)
        if lab not in _LABS:
            fail("LABKIT_SUBMISSION names an unknown lab: " + lab)
        dirs[lab] = directory
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for lab in _LABS:
        srcs = []
        if lab in dirs:
            for rel in _list_files(repository_ctx, dirs[lab]):
                repository_ctx.symlink(dirs[lab] + "/" + rel, lab + "/" + rel)
                srcs.append(lab + "/" + rel)
        build.append("filegroup(name = %r, srcs = %r)" % (lab, srcs))
    repository_ctx.file("WORKSPACE", 'workspace(name = "submission")\n')
    repository_ctx.file("BUILD", "\n".join(build) + "\n")

submission_repository = repository_rule(
    implementation = _submission_repository_impl,
    environ = ["LABKIT_SUBMISSION"],
    local = True,
)
