# error: line 3
x = 1
y = (1,
     2
z = 3
