s = f"{x!z}" f'{}' f"{a
