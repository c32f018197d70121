# objects: the everyday churn of small objects (tuples, dicts, sets, strings, classes).
from collections import Counter, defaultdict, namedtuple

from _marker import mark

Point = namedtuple("Point", "x y")


class Node:
    def __init__(self, value, children=()):
        self.value = value
        self.children = list(children)


m = mark()
points = [Point(i, -i) for i in range(3000)]
groups = defaultdict(list)
for p in points:
    groups[p.x % 17].append((p.x, p.y, str(p)))
counter = Counter(str(p.x)[-1] for p in points)
trees = [Node(i, [Node(j) for j in range(i % 6)]) for i in range(1500)]
total = sum(len(t.children) for t in trees)
words = {"w%d" % i: {i, i + 1, i + 2} for i in range(2000)}
del points, groups, trees
del m
mark()
