# PEP 701 (3.12): f-strings are parsed as code; quotes may nest.
a = f"{name}"
b = f"{"nested"}"
c = f"{f"{f"{1}"}"}"
d = f"{'\n'.join(xs)}"
e = f"{x  # a comment inside a replacement field
}"
g = f"{x:{width}.{prec}}"
h = f"{x!r:>10}"
i = f"{x=}"
j = f"{x = !r:^20}"
k = f'''{
    a
    +
    b
}'''
l = f"{"a" "b"}"
m = f"{x:{'{'}>10}"
n = rf"\d{x}\n"
o = f"{{literal}} {x} }}"
q = f"{x:=10}"
r = f"{(x:=10)}"
s = f"{dict(a=1)["a"]}"
t = f"{x!s}" f"{y!a}" "plain" f"tail"
u = f""
v = f"{x:}"
w = F"{x}" Rf"{y}" fR"{z}"
z = f"{ x }"
aa = f"{x:{y:{z}}}"
bb = f"{x!r:{y}}"
cc = f"""{f'''{f"{f'{1}'}"}'''}"""
dd = f"{'''
multi-line string inside'''}"
ee = f"result: {value:{width}.{precision}f} and {other!r}"
ff = f"é{ü}ñ {x}"
gg = f"{x:%Y-%m-%d}"
hh = f"{"\N{BULLET}"} \N{BULLET} {x}"
ii = f"{a}{b}{c}"
jj = f"{*a, *b}"
kk = f"{yield}" if False else None
ll = f"{x
:>{y}}"
mm = f"{x,}" if False else f"{x, y}"
