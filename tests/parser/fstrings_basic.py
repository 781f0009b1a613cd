# f-strings that every CPython from 3.8 on parses the same way.
name = "world"
a = f"hello {name}!"
b = f'{name!r} {name!s} {name!a}'
c = f"{x:>10} {y:{width}} {z:{w}.{p}f}"
d = f"{x=} {y = } {z=!s} {w=:>4}"
e = f"{{}} {{{x}}}"
g = f"{'single'} {'x' if False else 'y'}" if False else f"{'q'}"
h = f"""triple {x}
second line {y}"""
i = f"a" "b" f"c{d}e" 'f'
j = rf"raw\n{x}\t" fr'{y}\d'
k = f"{x}" + f"{y}"
l = f"{(lambda: 1)()}"
m = f"{[i for i in range(3)]}"
n = f"{a['key']} {b.attr} {c[0]:03d}"
o = f"ünïcödé {é} ☃ {x!r}"
p = f""
q = f"no fields"
r = f"{3.14:.2f}"
s = f"{x:{'>'}10}"
t = f"{a}{b}{c}"
v = f"{ x }"
w = f"{x:}"
