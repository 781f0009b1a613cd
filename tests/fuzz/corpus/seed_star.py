a, *b, c = it
f(*args, **kw)
x = [*a, *b]
y = {**d1, **d2}
z = a[*idx]
