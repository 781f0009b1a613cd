s = f"{x!r:>{width}} {y=} {{lit}} {'q'}"
