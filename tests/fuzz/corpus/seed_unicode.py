café = '日本'
ﬁle = 1
