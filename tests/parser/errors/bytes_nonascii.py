# error: line 2
b = b"café"
