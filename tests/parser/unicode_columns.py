# Columns are UTF-8 byte offsets: non-ASCII text before a node moves it.
s = "é"; t = "日本語"; u = x
résumé = naïve + café
d = {"ключ": значение}
emoji = "😀" + x if False else "😀😀"; y = 1
