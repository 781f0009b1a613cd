# error: line 4
x = 1
def f():
    pass
