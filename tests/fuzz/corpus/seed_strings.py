s = 'a' "b" '''c''' r'\n' b'\x00' u'u' rb'\d' '\N{BULLET}' '\u00e9\U0001F600\x41\101'
