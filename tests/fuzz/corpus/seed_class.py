@dec
class C(B, metaclass=M):
    x: int = 0
    def m(self): ...
