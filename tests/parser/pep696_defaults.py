# PEP 696 (3.13): defaults for type parameters.
type Alias[T = int] = list[T]
def f[T = str, *Ts = *tuple[int, ...], **P = [int, str]](): pass
class C[T: int = bool, U = T]: pass
class D[*Ts = *tuple[()]]: pass
def g[**P = ...](): pass
def h[T = int, U](): pass  # rejected by the compiler, not by the parser
