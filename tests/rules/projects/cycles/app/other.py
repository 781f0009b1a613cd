from app.db import Factory as Loop
from app.db import S
Alias = Alias2 = None
from app.pkg import Thing


class X(Y):
    db = Depends(get_db)


class Y(X):
    def m(self):
        return self.db


def deco(f):
    return deco2(f)


def deco2(f):
    return deco(f)


@deco
@Loop
def get_db():
    s = S()
    try:
        yield s
    finally:
        s.close()


def rec(n):
    return rec(n - 1)


def use():
    s = Loop()
    t = rec(3)
    u = Thing()
    s.close()
