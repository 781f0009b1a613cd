def f[T](x: T) -> T: pass
class C[K, V = int](Base): pass
