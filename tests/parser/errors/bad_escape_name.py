# error: line 3
ok = "\N{BULLET}"
s = "\N{NOT A REAL NAME}"
