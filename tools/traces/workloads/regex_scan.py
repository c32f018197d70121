# re: compile a few patterns and scan, split and substitute over a generated log.
import re

from _marker import mark

lines = ["2026-11-%02d 12:%02d:%02d host%d GET /api/v%d/items/%d?q=%s status=%d" %
         (i % 28 + 1, i % 60, (i * 7) % 60, i % 5, i % 3, i, "abc" * (i % 4), 200 + i % 3 * 100)
         for i in range(1500)]
text = "\n".join(lines)
m = mark()
date = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
url = re.compile(r"GET (/[\w/]+)\?q=(\w*)")
status = re.compile(r"status=(\d+)")
found = [(date.search(l).groups(), url.search(l).group(1)) for l in lines]
counts = {}
for s in status.findall(text):
    counts[s] = counts.get(s, 0) + 1
redacted = re.sub(r"host\d", "host?", text)
words = re.split(r"[\s/?=]+", text)
del m
mark()
