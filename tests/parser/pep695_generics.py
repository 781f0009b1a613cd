# PEP 695 (3.12): type parameters on functions and classes.
def first[T](xs: list[T]) -> T:
    return xs[0]


async def fetch[T: (int, str), *Ts, **P](x: T, *args: *Ts) -> None:
    pass


class Box[T: object]:
    def get(self) -> T: ...


class Pair[K, V](dict[K, V], metaclass=Meta):
    pass


@decorator
def deco[T,](x: T): pass


class Outer:
    class Inner[
        T: int,
        U,
    ]:
        def method[S](self, s: S) -> "S | T":
            return s
