# Statements of Python 3.8-3.11 that the machine's CPython checks.
import os
import os.path as osp, sys
from . import a
from .. import b as c
from ...pkg.mod import (x, y as z,)
from __future__ import annotations
global g1, g2
del a, b[0], c.d, (e, f), [g]
assert x, "message"
assert y
raise
raise ValueError("x") from None
x = y = z = 1
a, *b, c = range(5)
[d, e] = f, g = 1, 2
x: int
x: int = 1
(y): int = 2
obj.attr: str = "s"
seq[0]: float
x += 1; x -= 1; x *= 2; x @= m; x /= 2; x //= 2; x %= 3; x **= 2
x >>= 1; x <<= 1; x &= 1; x ^= 1; x |= 1
pass; pass;
if a:
    pass
elif b:
    pass
elif c:
    pass
else:
    pass
while x:
    break
else:
    continue
for i, (j, k) in enumerate(pairs):
    pass
else:
    pass
for x, in y: pass
try:
    pass
except ValueError:
    pass
except (TypeError, KeyError) as e:
    pass
except:
    pass
else:
    pass
finally:
    pass
try:
    pass
except* ValueError as eg:
    pass
except* (TypeError, KeyError):
    pass
with open(p) as f, lock:
    pass
with (open(p) as f, open(q) as g,):
    pass
with (a, b):
    pass
with (yield):
    pass
with a as (b, c), d as e.f, g as h[0]:
    pass


@decorator
@decorator.attr(1, k=2)
@(lambda f: f)
@a[0].b
def f(a, b=1, /, c=2, *args, d, e=3, **kwargs) -> int:
    """Docstring."""
    nonlocal_thing = 1
    return a


async def g(x, /, *, y):
    async with a as b, c:
        await x
    async for i in aiter():
        pass
    else:
        pass
    return [i async for i in x if await i]


def gen():
    yield
    yield 1
    yield 1, 2
    x = yield from other()
    y = yield
    return


class A(B, C, metaclass=M, **kw):
    x: int = 0

    def method(self, *, key=None): ...

    @property
    def prop(self): return self._p


class Empty: pass


def outer():
    x = 1

    def inner():
        nonlocal x
        global y
        x += 1
    return inner


lambda: 0
lambda x, /, y=1, *a, z, **k: (x, y, a, z, k)
lambda *, k: k
lambda *a: a
