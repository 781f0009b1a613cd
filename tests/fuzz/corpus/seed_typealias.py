type X[T: int = str, *Ts, **P] = list[T]
