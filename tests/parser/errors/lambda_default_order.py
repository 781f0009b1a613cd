# error: line 2
lambda a=1, b: 0
