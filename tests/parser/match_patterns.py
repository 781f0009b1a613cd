# match statement (3.10): every pattern kind; match/case/_ stay soft keywords.
match command.split():
    case [action]:
        pass
    case [action, obj]:
        pass
    case ["go", ("north" | "south" | "east" | "west") as direction]:
        pass
    case ["drop", *objects]:
        pass
    case [*_]:
        pass

match point:
    case Point(x=0, y=0):
        print("Origin")
    case Point(0, y=var) if var > 0:
        pass
    case Point(x, y, z=3):
        pass
    case (1, 2) | [3, 4]:
        pass
    case {"x": x, "y": 1, **rest}:
        pass
    case {1: _, None: a, True: b, "k": {"n": [c, *_]}}:
        pass
    case -1 | 1.5 | -2j | 1 + 2j | -1 - 2j | b"bytes" | "a" "b":
        pass
    case None | True | False:
        pass
    case Color.RED | mod.sub.VALUE:
        pass
    case str() | bytes(b"") as s:
        pass
    case (x):
        pass
    case ():
        pass
    case []:
        pass
    case {}:
        pass
    case x if x:
        pass
    case _:
        pass

match x, y:
    case a, b:
        pass

match = 1
case = 2
_ = match + case
match[1] = 3
match(x)
match.attr = 4
match -x:
    case 1:
        pass
match *a, b:
    case _:
        pass
