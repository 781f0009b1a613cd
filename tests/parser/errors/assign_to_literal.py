# error: line 3
ok = 1
1 = x
