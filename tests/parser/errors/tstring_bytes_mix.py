# error: line 2 (3.14)
x = t"{a}" b"b"
