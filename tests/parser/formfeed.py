x = 1
def f():
    pass

# comment
class C:
    x = 1
    
    y = 2
