x = -a ** -b + ~c * d @ e // f % g << h >> i & j ^ k | l
y = a < b <= c != d is not e not in f
z = not a and b or c
