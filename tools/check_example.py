"""Checks a grader results.json against an example's expected.txt.

expected.txt holds lines such as:
    score 100            the exact total score
    score 20..80         a range (inclusive)
    output-contains X    results.json's top-level output or a test's output contains X
"""
import json
import sys


def main(results_path: str, expected_path: str) -> int:
    with open(results_path, encoding="utf-8") as f:
        results = json.load(f)
    texts = [results.get("output", "")] + [t.get("output", "") for t in results.get("tests", [])]
    problems = []
    for line in open(expected_path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        if key == "score":
            low, _, high = value.partition("..")
            low, high = float(low), float(high or low)
            if not low <= results["score"] <= high:
                problems.append(f"score {results['score']} not in {low}..{high}")
        elif key == "output-contains":
            if not any(value in text for text in texts):
                problems.append(f"no output contains {value!r}")
        else:
            problems.append(f"unknown expectation: {line}")
    for problem in problems:
        print(f"{expected_path}: {problem}")
    if not problems:
        print(f"{expected_path}: as expected (score {results['score']})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
