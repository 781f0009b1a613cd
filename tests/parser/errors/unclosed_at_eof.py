# error: line 3
x = 1
foo(a, [b,
