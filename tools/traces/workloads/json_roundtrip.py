# json: encode and decode a nested document of dicts, lists, strings and numbers.
import json

from _marker import mark

doc = {
    "users": [
        {"id": i, "name": "user%d" % i, "tags": ["t%d" % (i % 7), "x" * (i % 13)],
         "score": i * 1.5, "active": i % 3 == 0, "friends": list(range(i % 11))}
        for i in range(300)
    ],
    "meta": {"version": 3, "title": "labkit trace", "notes": ["n%d" % k for k in range(50)]},
}
m = mark()
for _ in range(3):
    text = json.dumps(doc, indent=1, sort_keys=True)
    back = json.loads(text)
    assert back == doc
del m
mark()
