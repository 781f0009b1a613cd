# error: line 2
async = 1
