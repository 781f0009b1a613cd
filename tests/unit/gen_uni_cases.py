#!/usr/bin/env python3
"""Writes the exhaustive cases for test_uni, with python3 as the oracle.

    python3 tests/unit/gen_uni_cases.py > build/uni.cases
    build/test_uni build/uni.cases

Lines, tab-separated:
  X <cp hex> <flags>     identifier classes of every code point that has one
                         (flags: bit 1 start, bit 2 continue); the rest: none
  N <name> <cp hex|-1>   uni_lookup(name), as \\N{name} sees it
  K <utf-8 hex> <utf-8 hex>   uni_nfkc(in) == out
"""

import bz2
import random
import sys
import unicodedata

UCD = "/usr/share/unicode/"


def lookup(name):
    try:
        r = unicodedata.lookup(name)
    except KeyError:
        return -1
    return ord(r) if len(r) == 1 else -1  # named sequences are not characters


def hexs(s):
    return s.encode("utf-8").hex()


def ucd_lines(name):
    opener = bz2.open if name.endswith(".bz2") else open
    try:
        with opener(UCD + name, "rt", encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("@"):
                    yield line
    except OSError:
        print("note: %s not found, skipped" % (UCD + name), file=sys.stderr)


def ident_cases(out):
    for cp in range(0x110000):
        c = chr(cp)
        flags = (1 if c.isidentifier() else 0) | (2 if ("a" + c).isidentifier() else 0)
        if flags:
            out.append("X\t%X\t%d" % (cp, flags))


def name_variants(name, rnd):
    yield name
    yield name.lower()
    yield name.title()
    if rnd.random() < 0.1:
        yield name + "X"
        yield name[:-1]
        yield name.replace(" ", "  ", 1)
        yield " " + name


def name_cases(out):
    rnd = random.Random(3131)
    names = set()
    for cp in range(0x110000):
        n = unicodedata.name(chr(cp), None)
        if n:
            names.update(name_variants(n, rnd))
    for line in ucd_lines("NameAliases.txt"):
        names.update(name_variants(line.split(";")[1], rnd))
    for line in ucd_lines("NamedSequences.txt"):
        names.add(line.split(";")[0])
    for cp in (0x3400, 0x4E00, 0x9FFF, 0xA000, 0x20000, 0x2A6DF, 0x2A6E0, 0x3134A,
               0x3134B, 0xF900, 0xFA6E, 0x18B00, 0x1B170, 0x1B2FC, 0x17000):
        for fmt in ("%04X", "%05X", "%06X", "%03X", "%04x"):
            for prefix in ("CJK UNIFIED IDEOGRAPH-", "CJK COMPATIBILITY IDEOGRAPH-",
                           "KHITAN SMALL SCRIPT CHARACTER-", "NUSHU CHARACTER-",
                           "TANGUT IDEOGRAPH-", "cjk compatibility ideograph-"):
                names.add(prefix + fmt % cp)
    jamo = ["", "G", "GG", "N", "A", "AE", "YA", "NG", "GS", "LT", "WEO", "X", "I"]
    for _ in range(3000):
        names.add("HANGUL SYLLABLE " + "".join(rnd.choice(jamo) for _ in range(rnd.randint(0, 4))))
    names.update(["", " ", "-", "A", "NULL", "null", "BEL", "BELL", "ALERT",
                  "LATIN SMALL LETTER A\u00e9", "HANGUL SYLLABLE", "CJK UNIFIED IDEOGRAPH-"])
    for n in sorted(names):
        if "\t" not in n and "\n" not in n:
            cp = lookup(n)
            out.append("N\t%s\t%s" % (n, "-1" if cp < 0 else "%X" % cp))


def nfkc_cases(out):
    rnd = random.Random(701)
    singles = [chr(cp) for cp in range(0x80, 0x110000)
               if not 0xD800 <= cp <= 0xDFFF
               and (("a" + chr(cp)).isidentifier()
                    or unicodedata.decomposition(chr(cp)) or unicodedata.combining(chr(cp)))]
    strings = set(singles)
    marks = [c for c in singles if unicodedata.combining(c)]
    bases = [c for c in singles if unicodedata.decomposition(c)] + list("aeiouAEIOUnNcCsSzZ")
    jamo = [chr(c) for c in list(range(0x1100, 0x1113)) + list(range(0x1161, 0x1176))
            + list(range(0x11A8, 0x11C3))] + ["\uac00", "\uac01", "\ud7a3", "\u1160", "\u11a7"]
    for _ in range(20000):
        s = rnd.choice(bases) + "".join(rnd.choice(marks) for _ in range(rnd.randint(1, 4)))
        strings.add(s)
        strings.add("".join(rnd.choice(jamo) for _ in range(rnd.randint(2, 5))))
        strings.add("x" + rnd.choice(singles) + rnd.choice(singles) + "_1")
    for line in ucd_lines("NormalizationTest.txt.bz2"):
        strings.add("".join(chr(int(x, 16)) for x in line.split(";")[0].split()))
    for s in sorted(strings):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
            continue
        out.append("K\t%s\t%s" % (hexs(s), hexs(unicodedata.normalize("NFKC", s))))


def main():
    out = []
    ident_cases(out)
    name_cases(out)
    nfkc_cases(out)
    sys.stdout.buffer.write(("\n".join(out) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
