# PEP 695 (3.12): the `type` statement; `type` stays a soft keyword.
type Point = tuple[float, float]
type ListOrSet[T] = list[T] | set[T]
type Nested[T, *Ts, **P] = Callable[P, tuple[T, *Ts]]
type Recursive = list[Recursive] | int
type Multi[
    K,
    V,
] = dict[K, V]

type = 1
type.x = 2
type[0] = 3
print(type)
type(x)
type += 1
x = type if type else None


def f():
    type Local = int
    return Local


class C:
    type Member[T] = list[T]
