import a.b.c as d, e
from ..x import (y as z, w,)
from . import *
