# PEP 758 (3.14): except and except* without parentheses.
try:
    pass
except ValueError, TypeError:
    pass
except (OSError, KeyError) as e:
    pass
except A, B, C:
    raise

try:
    pass
except* A, B:
    pass
except* (C, D) as eg:
    pass

try:
    pass
except a.b, c[0], d():
    pass
