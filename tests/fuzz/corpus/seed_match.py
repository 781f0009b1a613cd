match p:
    case Point(x=0, y=y) if y > 0:
        pass
    case [1, *rest] | {'k': v, **kw}:
        pass
    case -1 | 1 + 2j | None | str() as s:
        pass
    case _:
        pass
