# error: line 2
s = f"{x!z}"
