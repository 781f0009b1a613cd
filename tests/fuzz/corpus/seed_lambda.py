f = lambda x, /, y=1, *a, z, **k: (x, y, a, z, k)
g = lambda: (yield)
