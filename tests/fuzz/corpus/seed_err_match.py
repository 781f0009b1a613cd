match x:
    case {**r, 'k': 1}:
        pass
