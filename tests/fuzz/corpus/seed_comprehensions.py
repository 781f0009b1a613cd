x = [i for i in r if i for j in i]
y = {k: v for k, v in d}
z = {s for s in t}
w = (g for g in h)
