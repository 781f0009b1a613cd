#!/usr/bin/env python3
"""Check astdump.c's constant forms against pyast_dump.py's canon() on real
literals: every number token, and every str and bytes constant, of the
Python files given (or of the standard library, sampled).

usage: check_const_canon.py TEST_ASTDUMP_BINARY [FILE...]
Prints mismatches and ends with "N passed, N failed".
"""
import ast, glob, io, os, random, subprocess, sys, sysconfig, tokenize

sys.path.insert(0, os.environ.get("PYAST_DUMP_DIR",
                                   os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pyast_dump import canon

def literals(paths):
    seen = set()
    for p in paths:
        try:
            src = open(p, "rb").read()
            toks = list(tokenize.tokenize(io.BytesIO(src).readline))
            tree = ast.parse(src)
        except (SyntaxError, ValueError, UnicodeDecodeError, tokenize.TokenError):
            continue
        for t in toks:
            if t.type == tokenize.NUMBER:
                s = t.string
                k = "c" if s[-1] in "jJ" else "i" if isinstance(ast.literal_eval(s), int) else "f"
                seen.add((k, s, canon(ast.literal_eval(s))))
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes)):
                v = n.value
                h = v.encode("utf-8", "surrogatepass").hex() if isinstance(v, str) else v.hex()
                seen.add(("s" if isinstance(v, str) else "b", h, canon(v)))
    return sorted(seen)

def main():
    binary, paths = sys.argv[1], sys.argv[2:]
    if not paths:
        paths = sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "**/*.py"), recursive=True))
        random.Random(1).shuffle(paths)
        paths = paths[:int(os.environ.get("SAMPLE", "300"))]
    lits = literals(paths)
    extra = ["1e400", "1e-400", "5e-324", "2.2250738585072011e-308", "4.9406564584124654e-324",
             "1" * 500, "0x" + "f" * 300, "0o" + "7" * 301, "0b" + "1" * 999, "9" * 4000, "0.1e-320"]
    for s in extra:
        v = eval(s)
        lits.append(("i" if isinstance(v, int) else "f", s, canon(v)))
    feed = "".join(f"{k}\t{s}\n" for k, s, _ in lits)
    out = subprocess.run([binary, "--canon"], input=feed.encode(), capture_output=True, check=True)
    got = out.stdout.decode("ascii").split("\n")
    passed = failed = 0
    for (k, s, want), g in zip(lits, got):
        if g == want:
            passed += 1
        else:
            failed += 1
            print(f"MISMATCH {k} {s[:80]}: got {g[:200]} want {want[:200]}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(failed != 0)

main()
