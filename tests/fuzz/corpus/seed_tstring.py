t1 = t"hello {name!r:>{w}}" t"{x=}"
