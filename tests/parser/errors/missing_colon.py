# error: line 3
x = 1
if x
    pass
