# error: line 2 (3.14)
type X[T] =
