# error: line 3
import sys
print "hello"
