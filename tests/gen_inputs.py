#!/usr/bin/env python3
"""Generate the pathological inputs of tests/robust.sh (never committed).

usage: gen_inputs.py OUTDIR            all robustness inputs + OUTDIR/MANIFEST
       gen_inputs.py --big FILE [MB]   only a valid Python file of MB megabytes
                                       (default 50; bench/run.sh uses it)

MANIFEST has one line per input: `name<TAB>expect<TAB>oracle`, where expect
is what the plain run must show:
  any      no crash, hang or sanitizer report (exit 0, 1 or 2)
  sl000    and an SL000 finding
  nested   and an SL000 finding whose message mentions nesting
  clean    and no SL000 finding (the input is valid Python)
and oracle is 1 where `debug ast` must also print exactly what CPython's
pyast_dump.py prints (small inputs on which CPython 3.11 to 3.14 agree).

Everything is deterministic (fixed seeds).  A stamp file holding this
script's hash lets a second run skip the work.
"""
import hashlib
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# One chunk of varied, valid Python; {i} makes every chunk's names unique.
CHUNK = '''

class Model{i}(Base, metaclass=Meta):
    """Docstring of model {i}."""
    table = "items_{i}"
    limit: int = {i} * 2 + 0x1F

    def __init__(self, session, *args, key=None, **kwargs):
        self.session = session
        self.items = [x ** 2 for x in range({i} % 7) if x % 2 == 0]
        self.index = {{k: v for k, v in zip("abc", (1, 2, 3))}}

    async def fetch(self, ident: int = {i}) -> "Model{i}":
        async with self.session.begin() as tx:
            row = await tx.execute(select(Model{i}).where(Model{i}.id == ident))
        return row if row is not None else None

    @property
    def name(self):
        return f"model-{{self.table}}-{{self.limit:>8}}"


def helper_{i}(a, b=1.5e-3, /, c=None, *rest, d, e=True, **kw):
    try:
        total = a + b * (c or 0) - len(rest) // 3 % 4
    except (ValueError, TypeError) as exc:
        raise RuntimeError("helper {i}") from exc
    else:
        total += sum(v for v in kw.values() if isinstance(v, int))
    finally:
        pass
    while total > 100 and not d:
        total -= 1
        if total == 50:
            break
        elif total < 0:
            continue
    for j, (p, q) in enumerate([(1, 2), (3, 4)]):
        total += j * p - q if p > q else -j
    data = {{"id": {i}, "tags": ["x", 'y', """z"""], "ok": e, "ratio": 3.25j}}
    lam = lambda x, y=2: x[y:] + x[:y] + x[::2]
    with open(__file__) as fh, lock:
        text = fh.read()[{i} % 10:]
    match data:
        case {{"id": int(n), **others}} if n > 0:
            total += n
        case [first, *_]:
            total -= 1
        case _:
            pass
    return total, data, lam, text
'''


def big_file(path, megabytes):
    target = int(megabytes * 1024 * 1024)
    compile(CHUNK.format(i=0), "<chunk>", "exec")   # the template must be valid
    parts, size, i = ["import asyncio\nfrom db import select, Base, Meta, lock\n"], 0, 0
    while size < target:
        s = CHUNK.format(i=i)
        parts.append(s)
        size += len(s)
        i += 1
    with open(path, "w") as f:
        f.write("".join(parts))


def nested_if(levels):
    out = ["x = 1\n"]
    for k in range(levels):
        out.append("    " * k + "if x:\n")
    out.append("    " * levels + "pass\n")
    return "".join(out)


def long_line(nbytes):
    items, size, k = [], 0, 0
    while size < nbytes:
        s = str(k % 1000)
        items.append(s)
        size += len(s) + 2
        k += 1
    return "x = [" + ", ".join(items) + "]\n"


def token_soup(rng, n):
    toks = ["(", ")", "[", "]", "{", "}", ":", ",", ";", "+", "-", "*", "**", "/",
            "//", "=", "==", ":=", "->", ".", "...", "@", "lambda", "if", "else",
            "for", "in", "not", "and", "or", "def", "class", "return", "yield",
            "await", "async", "with", "as", "match", "case", "type", "try",
            "except", "finally", "x", "y", "_", "1", "0x1f", "1.5e3", "2j", "'s'",
            '"""t"""', 'f"{x}"', 'f"{', 't"{y!r:>{w}}"', "}", "\\", "\n", "\n    ",
            "\n        ", "\t", "#c\n", "\r\n", "\r", "\x0c", "é", "\u00a0", "$", "?"]
    return "".join(rng.choice(toks) + rng.choice(["", " "]) for _ in range(n))


def mutate(rng, data, edits):
    b = bytearray(data)
    for _ in range(edits):
        op = rng.randrange(3)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            del b[min(pos, len(b) - 1)]
        elif op == 1:
            b[pos:pos] = bytes([rng.choice(b"()[]{}:'\"\\\n\t #fx0=")])
        elif b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
    return bytes(b)


def cases():
    """(name, bytes, expect, oracle) for every small input."""
    N = 100000   # nesting that must be refused ("too deeply nested")
    M = 5000     # chains CPython accepts: their dump is quadratic in depth
    c = [
        ("open_parens", b"(" * N + b"\n", "nested", 1),
        ("nested_brackets", b"x = " + b"[" * N + b"]" * N + b"\n", "nested", 1),
        ("nested_mixed", b"x = " + b"([{" * (N // 3) + b"\n", "nested", 0),
        ("nested_if_1000", nested_if(1000).encode(), "sl000", 0),
        ("nested_if_99", nested_if(98).encode(), "clean", 1),
        ("unary_chain", b"x = " + b"-" * M + b"1\n", "any", 0),
        ("not_chain", b"x = " + b"not " * M + b"y\n", "any", 0),
        ("power_chain", b"x = " + b"2 ** " * M + b"2\n", "any", 0),
        ("await_chain", b"async def f():\n    " + b"await " * M + b"x\n", "any", 0),
        ("lambda_chain", b"f = " + b"lambda: " * M + b"0\n", "any", 0),
        ("ifexp_chain", b"x = " + b"a if b else " * M + b"c\n", "any", 0),
        ("starred_chain", b"x = [" + b"*" * M + b"a]\n", "any", 0),
        ("binop_chain", b"x = " + b"1 + " * M + b"1\n", "clean", 0),
        ("compare_chain", b"x = " + b"a < " * M + b"b\n", "clean", 0),
        ("boolop_chain", b"x = " + b"a and " * M + b"b\n", "clean", 0),
        ("attr_chain", b"x = y" + b".a" * M + b"\n", "any", 0),
        ("call_chain", b"x = f" + b"()" * M + b"\n", "any", 0),
        ("subscript_chain", b"x = y" + b"[0]" * M + b"\n", "any", 0),
        ("string_concat", b"x = " + b"'a' " * N + b"\n", "clean", 0),
        ("many_args", b"f(" + b"a, " * N + b")\n", "clean", 0),
        ("many_decorators", b"@d\n" * N + b"def f(): pass\n", "clean", 0),
        ("many_statements", b"x = 1\n" * N, "clean", 0),
        ("fstring_nest", b'x = ' + b'f"{' * 1000 + b"x" + b'}"' * 1000 + b"\n", "any", 0),
        ("fstring_spec_nest", b'x = f"{x:{' * 1000 + b"y" + b"}}" * 1000 + b'"\n', "any", 0),
        ("dict_nest", b"x = " + b"{1: " * N + b"2" + b"}" * N + b"\n", "nested", 0),
        ("long_name", b"x" * 1000000 + b" = 1\n", "clean", 1),
        ("long_string", b"x = '" + b"a" * 1000000 + b"'\n", "clean", 1),
        ("long_line_1mb", long_line(1 << 20).encode(), "clean", 0),
        # CPython's dump says "error: line None" for NUL bytes: no oracle.
        ("nul_bytes", b"x = 1\0\ny = 2\n", "sl000", 0),
        ("nul_in_string", b"x = 'a\0b'\n", "sl000", 0),
        ("invalid_utf8", b"x = '\xff\xfe'\n", "sl000", 1),
        ("invalid_utf8_name", b"x\xc3\x28 = 1\n", "sl000", 1),
        ("truncated_utf8_eof", b"x = '\xe2\x82", "sl000", 1),
        ("overlong_utf8", b"x = '\xc0\xaf'\n", "sl000", 1),
        ("surrogate_utf8", b"x = '\xed\xa0\x80'\n", "sl000", 1),
        ("lone_cr", b"x = 1\ry = 2\n", "any", 1),
        ("cr_only", b"x = 1\rif x:\r    y = 2\r", "any", 1),
        ("crlf", b"x = 1\r\nif x:\r\n    y = '''a\r\nb'''\r\n", "clean", 1),
        ("unterminated_triple_eof", b'x = 1\ny = """abc\n', "sl000", 1),
        ("unterminated_triple_eof_nonl", b"x = '''abc", "sl000", 1),
        ("unterminated_string_eof", b"x = 'abc", "sl000", 1),
        ("unterminated_fstring_eof", b'x = f"{a', "sl000", 1),
        ("unclosed_bracket_eof", b"x = [1,\n", "sl000", 1),
        ("backslash_eof", b"x = 1 \\", "sl000", 1),
        ("backslash_nl_eof", b"x = 1 \\\n", "sl000", 1),
        ("bom_only", b"\xef\xbb\xbf", "clean", 1),
        ("bom_twice", b"\xef\xbb\xbf\xef\xbb\xbfx = 1\n", "sl000", 1),
        ("empty", b"", "clean", 1),
        ("only_newlines", b"\n" * N, "clean", 1),
        ("only_spaces", b"    ", "clean", 1),
        ("only_comment_nonl", b"# comment", "clean", 1),
        ("indent_eof", b"if x:\n    pass\n        ", "clean", 1),
        ("dedent_eof", b"if x:\n    if y:\n        pass", "clean", 1),
        ("coding_unknown", b"# coding: no-such-codec\nx = 1\n", "sl000", 1),
        ("coding_latin1", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "clean", 1),
        ("coding_mismatch_bom", b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "sl000", 0),
        ("form_feeds", b"\x0c\x0cx = 1\n\x0c\nif x:\n    \x0c\n    y = 2\n", "clean", 1),
        ("tab_indent_mix", b"if x:\n\tif y:\n\t\tpass\n        pass\n", "any", 1),
        ("control_chars", b"x = 1\x01\x02\n", "sl000", 1),
    ]
    rng = random.Random(20240607)
    for k in range(10):
        c.append((f"random_bytes_{k}", bytes(rng.randrange(256) for _ in range(2048)), "any", 0))
    for k in range(10):
        c.append((f"token_soup_{k}", token_soup(rng, 2000).encode(), "any", 0))
    seed_file = os.path.join(os.path.dirname(os.__file__), "json", "decoder.py")
    try:
        with open(seed_file, "rb") as f:
            seed = f.read()
    except OSError:
        seed = CHUNK.format(i=1).encode()
    for k in range(20):
        c.append((f"mutant_{k}", mutate(rng, seed, 1 + k % 5), "any", 0))
    return c


def main(argv):
    if argv[1:2] == ["--big"]:
        big_file(argv[2], float(argv[3]) if len(argv) > 3 else 50)
        return
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    with open(__file__, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    stamp_file = os.path.join(out, "STAMP")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        return
    manifest = []
    for name, data, expect, oracle in cases():
        with open(os.path.join(out, name + ".py"), "wb") as f:
            f.write(data)
        manifest.append(f"{name}\t{expect}\t{oracle}\n")
    big_file(os.path.join(out, "big_50mb.py"), 50)
    manifest.append("big_50mb\tclean\t0\n")
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.writelines(manifest)
    with open(stamp_file, "w") as f:
        f.write(stamp)


if __name__ == "__main__":
    main(sys.argv)
