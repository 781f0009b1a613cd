# error: line 2
x = 1_000_
