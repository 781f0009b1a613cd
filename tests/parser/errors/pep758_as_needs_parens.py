# error: line 4 (3.14)
try:
    pass
except A, B as e:
    pass
