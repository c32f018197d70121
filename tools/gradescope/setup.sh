#!/usr/bin/env bash
# Gradescope runs this once when building the autograder image.
# The zip made by `./labkit gradescope <lab>` unpacks to /autograder/source.
set -euo pipefail
cd /autograder/source
./labkit setup
# Build the grader and the lab's tests now, so grading a submission only
# compiles the student's files.
./labkit warm "$(cat LAB)"
