# Expressions: precedence, comprehensions, calls, subscripts, literals.
x = a or b and not c or d
x = a if b else c if d else e
x = (a := 10) + (b := a)
x = [y := f(x), y ** 2]
x = -a ** -b
x = ~a + +b - -c
x = a * b / c // d % e @ f
x = a << b >> c & d ^ e | f
x = a < b <= c > d >= e == f != g is h is not i in j not in k
x = not a == b
x = await_ = 1
x = a.b.c(d)[e](f=g)(*h, **i)
x = f(a, *b, c=d, *e, **f, g=h)
x = f(x for x in y)
x = a[1:2, ::3, 4:, :5:6, ...]
x = a[b, c]
x = a[()]
x = a[*b]
x = a[1:2][::-1]
x = [1, 2, *rest]
x = (1,)
x = ()
x = 1,
x = {1, 2, *s}
x = {"a": 1, **d, "b": 2}
x = {}
x = [i for i in range(10) if i % 2 if i > 3 for j in range(i)]
x = {k: v for k, v in items}
x = {v for v in values}
x = (g for g in gens)
x = [[j for j in i] for i in matrix]
x = [(yield)] if False else None
x = lambda: (yield)
x = *a, *b
x = a.__class__.__name__
x = print(*a, sep="", end="")
x = (
    1
    + 2
    + 3
)
x = a \
    + b
x = [
    1,
    2,
]
x = f(a)(b)(c)
x = a if not b else (c, d)
x = (yield) if False else 0
x = (((((1)))))
x = {**a, **b}
x = a[b:=1]  if False else 0
