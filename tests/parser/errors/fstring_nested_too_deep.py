# error: line 2 (3.14)
x = f"{a:{b:{c:{d}}}}"
