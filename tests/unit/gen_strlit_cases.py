#!/usr/bin/env python3
"""Writes literal-decoding cases for test_strlit, with python3 as the oracle.

    python3 tests/unit/gen_strlit_cases.py [DIR ...] > build/strlit.cases
    build/test_strlit build/strlit.cases

Collects every string and bytes literal token of the .py files under DIR
(default: this Python's standard library without site-packages) with
tokenize, and writes what CPython makes of it.  Lines, tab-separated, text in
hex (str as UTF-8 with surrogates passed through):
  S <token> <value>          a string or bytes literal: strlit_decode of its body
  S <token> !<message>       one CPython rejects, with its message
  F <token> <run>,<run>,... <value>|!<message>
                             an f-string: its literal text runs between fields
                             decoded with STRLIT_BRACES, joined, give the
                             text of its top-level Constant parts
F-strings this script cannot split with confidence (nested quotes, '=',
format specs) are left out.  Then come random literals made of escapes,
valid and not, braces and non-ASCII text (a fixed seed: the same file
every time), to exercise error messages and their positions.
"""

import ast
import io
import os
import random
import sys
import sysconfig
import tokenize
import warnings


def hexs(b):
    return b.hex()


def value_bytes(v):
    return v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")


def split_prefix(tok):
    i = 0
    while tok[i] not in "'\"":
        i += 1
    q = 3 if tok[i:i + 3] in ('"""', "'''") else 1
    return tok[:i].lower(), tok[i + q:len(tok) - q]


def field_end(body, i):
    """End of the replacement field that starts at body[i] == '{', or None
    when the field is one this simple scanner does not trust."""
    depth, j = 0, i
    while j < len(body):
        c = body[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return j + 1
        elif c in "'\"=:\\#":
            return None
        j += 1
    return None


def fstring_runs(prefix, body):
    """The literal text runs of an f-string body, or None."""
    raw = "r" in prefix
    runs, start, i = [], 0, 0
    while i < len(body):
        c = body[i]
        if c == "\\" and not raw:
            if body[i + 1:i + 2] in ("{", "}"):
                i += 1  # the backslash is text; the brace is read as usual
                continue
            i += 2
            if body[i - 1:i + 1] == "N{":
                j = body.find("}", i)
                if j < 0:
                    return None
                i = j + 1
            continue
        if c in "{}" and body[i + 1:i + 2] == c:
            i += 2
            continue
        if c == "}":
            return None
        if c == "{":
            end = field_end(body, i)
            if end is None:
                return None
            runs.append(body[start:i])
            start = i = end
            continue
        i += 1
    runs.append(body[start:])
    return runs


def string_case(tok):
    try:
        v = ast.literal_eval(tok)
    except SyntaxError as e:
        return "S\t%s\t!%s" % (hexs(tok.encode()), e.msg)
    return "S\t%s\t%s" % (hexs(tok.encode()), hexs(value_bytes(v)))


def fstring_case(tok):
    prefix, body = split_prefix(tok)
    runs = fstring_runs(prefix, body)
    if runs is None:
        return None
    try:
        node = ast.parse(tok, mode="eval").body
    except SyntaxError as e:
        if e.msg.startswith("f-string"):
            return None
        return "F\t%s\t%s\t!%s" % (hexs(tok.encode()), ",".join(hexs(r.encode()) for r in runs),
                                   e.msg)
    parts = node.values if isinstance(node, ast.JoinedStr) else [node]
    text = "".join(p.value for p in parts if isinstance(p, ast.Constant))
    return "F\t%s\t%s\t%s" % (hexs(tok.encode()), ",".join(hexs(r.encode()) for r in runs),
                              hexs(value_bytes(text)))


PIECES = [
    "a", "Z", " ", "{{", "}}", "\u00e9", "\U0001f600", "\\\n", "\\\\", "\\'", "\\n",
    "\\t", "\\0", "\\7", "\\12", "\\377", "\\400", "\\777", "\\1234", "\\8",
    "\\x", "\\x4", "\\x41", "\\xfF", "\\xg", "\\u", "\\u12", "\\u00e9", "\\ud800",
    "\\uDFFF", "\\U0001F600", "\\U00110000", "\\U1234", "\\N", "\\N{", "\\N{}",
    "\\N{EM DASH}", "\\N{em dash}", "\\N{NOPE}", "\\N{HANGUL SYLLABLE GAG}",
    "\\N{CJK UNIFIED IDEOGRAPH-4E00}", "\\q", "\\\u00e9", "\\{{", "}}\\",
]


def random_cases(count):
    rnd = random.Random(1729)
    out = []
    for _ in range(count):
        prefix = rnd.choice(["", "", "", "b", "r", "rb", "u", "f", "f", "rf"])
        body = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 6)))
        tok = prefix + '"""' + body + ' """'
        if "f" in prefix:
            line = fstring_case(tok)
        else:
            line = string_case(tok)
        if line:
            out.append(line)
    return out


def tokens(path):
    try:
        with open(path, "rb") as f:
            src = f.read()
        for t in tokenize.tokenize(io.BytesIO(src).readline):
            if t.type == tokenize.STRING:
                yield t.string
    except (SyntaxError, tokenize.TokenError, UnicodeDecodeError, IndentationError):
        return


def py_files(roots):
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "site-packages")
            for name in sorted(filenames):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)


def main():
    warnings.simplefilter("ignore")
    roots = sys.argv[1:] or [sysconfig.get_paths()["stdlib"]]
    seen, out, skipped = set(), [], 0
    for path in py_files(roots):
        for tok in tokens(path):
            if tok in seen:
                continue
            seen.add(tok)
            prefix, _ = split_prefix(tok)
            line = fstring_case(tok) if "f" in prefix else string_case(tok)
            if line is None:
                skipped += 1
            else:
                out.append(line)
    extra = random_cases(20000)
    sys.stdout.write("\n".join(out + extra) + "\n")
    print("%d distinct literals, %d cases, %d f-strings skipped, %d random cases"
          % (len(seen), len(out), skipped, len(extra)), file=sys.stderr)


if __name__ == "__main__":
    main()
