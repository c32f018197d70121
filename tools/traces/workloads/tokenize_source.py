# tokenize: tokenize the source of a stdlib module and rebuild it.
import inspect
import io
import tokenize

from _marker import mark

source = inspect.getsource(inspect)[:60000]
m = mark()
tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
kinds = {}
for tok in tokens:
    kinds[tok.type] = kinds.get(tok.type, 0) + 1
again = tokenize.untokenize(tokens)
del m
mark()
