# error: line 2
def f() -> : pass
