# error: line 3
x = 1
else:
    pass
