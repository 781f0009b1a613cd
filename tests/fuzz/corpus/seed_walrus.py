if (n := len(a)) > 10:
    print(n)
x = [y := f(x), y ** 2]
