x = (
def f():
    pass
y = 1 +
z = 3
