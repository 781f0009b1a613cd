# -*- coding: latin-1 -*-
s = "café"
t = "à la"
