# error: line 2
with a as b, as c:
    pass
