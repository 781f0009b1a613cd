type = 1
type(x)
type.x = 2
