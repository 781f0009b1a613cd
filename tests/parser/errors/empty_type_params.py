# error: line 2 (3.14)
def f[](): pass
