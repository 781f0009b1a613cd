# error: line 3
def ok(): pass
def f(:
    pass
