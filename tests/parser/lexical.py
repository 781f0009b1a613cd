# Lexical corners: comments, tabs, form feeds, line joining, unicode names.
x = 1  # comment
# comment-only line
	
if x:
	y = 2  # a tab indents
	if y:
	        z = 3
def f():  # comment after colon
    pass
    # trailing comment in block


def g(): return 1
class C: x = 1; y = 2
ﬁle = 1
𝔘𝔫𝔦𝔠𝔬𝔡𝔢 = 2
café = 3
名前 = "名前"
x = café + ﬁle
if True:
    a = [1,
  2,
        3]
    b = 1 + \
2
    c = """
  not indentation
"""
    pass
s = 'tab	inside'
t = (1 if True
     else 2)
x = 1;
