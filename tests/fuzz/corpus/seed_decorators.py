@a.b(c)
@(lambda f: f)
@x[0]
def f(): pass
