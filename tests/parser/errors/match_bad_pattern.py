# error: line 5
match x:
    case 1:
        pass
    case {**rest, "k": 1}:
        pass
