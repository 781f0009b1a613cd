# error: line 2
import a.b as c.d
