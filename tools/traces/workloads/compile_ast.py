# compile: parse a stdlib module's source to an AST, walk it, and compile it to bytecode.
import ast
import inspect
import json as module

from _marker import mark

source = inspect.getsource(module)
m = mark()
for _ in range(3):
    tree = ast.parse(source)
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
    code = compile(tree, "<json>", "exec")
del m
mark()
