a = b = c = [1, 2.5, 3j, 'x', b'y', None, True, ...]
