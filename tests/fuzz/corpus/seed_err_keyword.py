def = 1
class
