x: int
(y): int = 1
a.b: str = 's'
c[0]: float
