# error: line 4
if x:
        y = 1
	z = 2
