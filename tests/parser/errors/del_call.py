# error: line 2
del f()
