# Numbers and strings: every literal form, decoded as CPython decodes them.
i = [0, 1, 00, 0x1F, 0XAB, 0o17, 0O7, 0b101, 0B1, 1_000_000, 0x_ff, 0b_1_0]
big = [2**64, 18446744073709551616, 0xFFFFFFFFFFFFFFFFFFFFFFFF, 123456789012345678901234567890]
f = [0.0, 1.5, .5, 5., 1e10, 1E-10, 1_0.0_1e+1_0, 3.14j, 1j, 0j, 1e400, 1.7976931348623157e308, 5e-324, 1_0j]
f2 = [0.1, 2.2250738585072014e-308, 123.456e-7, 9007199254740993.0, 1e22, 1e23]
s = ['', "", '''''', """""", 'a', "b", '\'', "\"", 'tab\there', 'nl\n', 'cr\r']
e = ['\x41', '\101', '\u00e9', '\U0001F600', '\N{EM DASH}', '\N{LATIN SMALL LETTER A WITH ACUTE}', '\0', '\a\b\f\v', '\\']
r = [r'\n', R'\x', r"\"", rb'\n', BR'\x00', Rb"\\"]
b = [b'', b'abc', b'\x00\xff', b"\n\t", B'\101', rb'raw\n']
u = [u'unicode', U"upper"]
c = ['implicit' ' concatenation' " across " '''quotes''']
c2 = ('multi'
      'line'
      "concat")
bc = b'one' b'two'
ml = """line one
line two\
 continued
"""
nonascii = 'héllo wörld ☃ 😀'
surrogate = '\ud800'
octal_big = '\777'
unknown_escape = '\d'
backslash_nl = 'a\
b'
ellipsis = ...
consts = [None, True, False]
