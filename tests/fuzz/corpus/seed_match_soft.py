match = 1
case = match
match(x)
match[0] = 2
