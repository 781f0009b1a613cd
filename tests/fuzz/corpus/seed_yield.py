def g():
    yield
    yield 1, 2
    x = yield from h()
