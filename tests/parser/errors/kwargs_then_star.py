# error: line 2
f(**x, *y)
