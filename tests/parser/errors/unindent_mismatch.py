# error: line 5
if x:
        y = 1
        if z:
    w = 2
