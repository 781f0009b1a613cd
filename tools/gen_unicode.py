#!/usr/bin/env python3
"""Writes src/uni_tables.inc, the Unicode tables behind src/uni.c.

The data comes from this Python's unicodedata, so that sessionlint agrees with
the CPython that is our oracle (python3.11: Unicode 14.0.0).  The one thing
unicodedata cannot list is the set of name aliases ("LINE FEED", "BYTE ORDER
MARK"); those are read from the UCD's NameAliases.txt (Debian package
unicode-data; any version at least as new as unicodedata's will do) and kept
only where unicodedata.lookup accepts them, so the output depends on Python's
data alone.  Run it again after changing Python; the output is deterministic.

    python3 tools/gen_unicode.py [--aliases NameAliases.txt] [-o src/uni_tables.inc]

Tables written:
  identifiers   XID_Start / XID_Continue as CPython's str.isidentifier sees them
  names         every name and alias for \\N{...}, sorted, front-coded in
                blocks; names of the form PREFIX-<hex code point> are stored as
                families of ranges, and Hangul syllables as the jamo short names
  NFKC          full compatibility decompositions, canonical combining
                classes, canonical composition pairs (exclusions removed)
"""

import argparse
import os
import re
import sys
import unicodedata

MAX_CP = 0x110000
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
NAME_BLOCK = 16  # names per front-coding block (one full name per block)
NAME_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -")
# Characters marking the start of a name entry; the mark's index in this
# string is how many leading characters the entry shares with the previous
# name.  None of them is a name character, '"', '\\' or '?' (trigraphs).
PREFIX_MARKS = "!#$%&'()*+,./:;<=>@[]^_`abcdefghijklmnopqrstuvwxyz{|}~"


def code_points():
    """Every code point but the surrogates."""
    return (cp for cp in range(MAX_CP) if not 0xD800 <= cp <= 0xDFFF)


def ranges_of(pred):
    """Sorted inclusive (first, last) ranges of the code points where pred."""
    out = []
    for cp in range(MAX_CP):
        if pred(cp):
            if out and out[-1][1] == cp - 1:
                out[-1][1] = cp
            else:
                out.append([cp, cp])
    return out


# ---------------------------------------------------------------- identifiers

def xid_tables():
    start = ranges_of(lambda cp: chr(cp).isidentifier())
    cont = ranges_of(lambda cp: ("a" + chr(cp)).isidentifier())
    return start, cont


# ---------------------------------------------------------------------- names

def hangul_jamo():
    """The jamo short names, read back from the syllable names."""
    base = "HANGUL SYLLABLE "

    def syl(lead, vowel, tail):
        name = unicodedata.name(chr(HANGUL_FIRST + (lead * 21 + vowel) * 28 + tail))
        assert name.startswith(base)
        return name[len(base):]

    ga = syl(0, 0, 0)
    assert ga == "GA"
    leads = [syl(i, 0, 0)[:-1] for i in range(19)]
    vowels = [syl(0, i, 0)[1:] for i in range(21)]
    tails = [syl(0, 0, i)[2:] for i in range(28)]
    for i in range(19):
        assert syl(i, 0, 0) == leads[i] + "A"
    return leads, vowels, tails


def families(named):
    """Names PREFIX-XXXX whose hex part is the code point, grouped by prefix.

    Returns [(prefix, strict, ranges)].  strict marks the families CPython
    computes in code (case-sensitive, uppercase hex, 4 or 5 digits); the
    others come from its table (any case, exactly the name's spelling)."""
    groups = {}
    for cp, name in named:
        m = re.match(r"^(.*-)([0-9A-F]{4,6})$", name)
        if m and m.group(2) == "%04X" % cp:
            groups.setdefault(m.group(1), []).append(cp)
    out = []
    for prefix in sorted(groups):
        cps = groups[prefix]
        if len(cps) < 100:
            continue
        members = set(cps)
        rng = ranges_of(lambda cp: cp in members)
        probe = prefix.lower() + "%04X" % cps[0]
        strict = lookup(probe) is None
        out.append((prefix, strict, rng))
    return out


def lookup(name):
    try:
        return unicodedata.lookup(name)
    except KeyError:
        return None


def read_aliases(path):
    """(alias, cp) for every alias in NameAliases.txt that Python accepts."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            code, alias, _kind = line.split(";")
            cp = int(code, 16)
            if lookup(alias) == chr(cp):
                out.append((alias, cp))
    return out


def name_tables(alias_path):
    named = []
    for cp in code_points():
        name = unicodedata.name(chr(cp), None)
        if name is not None:
            named.append((cp, name))
    fams = families(named)
    fam_prefixes = tuple(f[0] for f in fams)
    entries = {}
    for cp, name in named:
        if name.startswith(fam_prefixes) or HANGUL_FIRST <= cp <= HANGUL_LAST:
            continue
        entries[name] = cp
    aliases = read_aliases(alias_path)
    assert len(aliases) > 300, "NameAliases.txt looks wrong"
    for alias, cp in aliases:
        assert alias not in entries or entries[alias] == cp
        entries[alias] = cp
    for name in entries:
        assert set(name) <= NAME_CHARS, name
    return sorted(entries.items()), fams, len(aliases)


def front_code(entries):
    """The names as one string of entries (mark, suffix); block offsets."""
    parts, blocks, pos, prev = [], [], 0, ""
    for i, (name, _cp) in enumerate(entries):
        shared = 0
        if i % NAME_BLOCK == 0:
            blocks.append(pos)
        else:
            limit = min(len(name), len(prev), len(PREFIX_MARKS) - 1)
            while shared < limit and name[shared] == prev[shared]:
                shared += 1
        piece = PREFIX_MARKS[shared] + name[shared:]
        parts.append(piece)
        pos += len(piece)
        prev = name
    return "".join(parts), blocks


# ----------------------------------------------------------------------- NFKC

def nfkc_tables():
    decomp = []
    for cp in code_points():
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            continue  # algorithmic, in code
        d = unicodedata.normalize("NFKD", chr(cp))
        if d != chr(cp):
            decomp.append((cp, [ord(c) for c in d]))
    ccc = []
    for cp in range(MAX_CP):
        c = unicodedata.combining(chr(cp))
        if not c:
            continue
        if ccc and ccc[-1][1] == cp - 1 and ccc[-1][2] == c:
            ccc[-1][1] = cp
        else:
            ccc.append([cp, cp, c])
    pairs = []
    for cp in code_points():
        d = unicodedata.decomposition(chr(cp))
        if not d or d.startswith("<"):
            continue
        parts = [int(x, 16) for x in d.split()]
        # A primary composite is one that NFC leaves alone; the others are
        # the composition exclusions.
        if len(parts) == 2 and unicodedata.normalize("NFC", chr(cp)) == chr(cp):
            pairs.append((parts[0], parts[1], cp))
    pairs.sort()
    return decomp, ccc, pairs


# --------------------------------------------------------------------- output

class Writer:
    def __init__(self):
        self.lines = []

    def line(self, text=""):
        self.lines.append(text)

    def numbers(self, decl, rows, per_line):
        """decl = { rows... }; each row a tuple printed as {a, b} or a scalar."""
        self.line(decl + " = {")
        cells = []
        for row in rows:
            if isinstance(row, (tuple, list)):
                cells.append("{" + ", ".join(fmt(v) for v in row) + "}")
            else:
                cells.append(fmt(row))
        for i in range(0, len(cells), per_line):
            self.line("    " + ", ".join(cells[i:i + per_line]) + ",")
        self.line("};")
        self.line()

    def string(self, decl, text, width=76):
        self.line(decl + " =")
        chunks = [text[i:i + width] for i in range(0, len(text), width)]
        for i, chunk in enumerate(chunks):
            assert '"' not in chunk and "\\" not in chunk and "?" not in chunk
            end = ";" if i == len(chunks) - 1 else ""
            self.line('    "' + chunk + '"' + end)
        self.line()


def fmt(v):
    if isinstance(v, str):
        return '"' + v + '"'
    return "0x%X" % v if v > 9 else str(v)


def write_identifiers(w, start, cont):
    w.line("/* Identifier characters: sorted, disjoint, inclusive ranges. */")
    w.line("#define UNI_XID_START_COUNT %d" % len(start))
    w.numbers("static const uint32_t uni_xid_start[][2]", start, 5)
    w.line("#define UNI_XID_CONTINUE_COUNT %d" % len(cont))
    w.numbers("static const uint32_t uni_xid_continue[][2]", cont, 5)


def write_names(w, entries, fams, jamo):
    text, blocks = front_code(entries)
    w.line("/*")
    w.line(" * Character names and aliases, sorted by name.  Each entry is a mark")
    w.line(" * (its value in uni_name_mark: how many leading characters it shares")
    w.line(" * with the previous name) followed by the rest of the name.  Every")
    w.line(" * UNI_NAME_BLOCK-th entry starts a block and is spelled in full; the")
    w.line(" * blocks' offsets are in uni_name_block, the code points in uni_name_cp.")
    w.line(" */")
    w.line("#define UNI_NAME_COUNT %d" % len(entries))
    w.line("#define UNI_NAME_BLOCK %d" % NAME_BLOCK)
    w.line("#define UNI_NAME_BLOCK_COUNT %d" % len(blocks))
    w.line("#define UNI_NAME_MAX %d /* longest name */" % max(len(n) for n, _c in entries))
    marks = [-1] * 128
    for i, c in enumerate(PREFIX_MARKS):
        marks[ord(c)] = i
    w.numbers("static const signed char uni_name_mark[128]", marks, 16)
    w.string("static const char uni_name_text[]", text)
    w.numbers("static const uint32_t uni_name_block[]", blocks, 8)
    w.numbers("static const uint32_t uni_name_cp[]", [cp for _n, cp in entries], 10)

    w.line("/* Names spelled PREFIX-<code point in hex>, by families of ranges. */")
    rows, fam_rows = [], []
    for prefix, strict, rng in fams:
        fam_rows.append('{"%s", %d, %d, %d}' % (prefix, strict, len(rows), len(rng)))
        rows.extend(rng)
    w.line("#define UNI_FAMILY_COUNT %d" % len(fams))
    w.line("static const UniFamily uni_family[] = {")
    for r in fam_rows:
        w.line("    " + r + ",")
    w.line("};")
    w.line()
    w.numbers("static const uint32_t uni_family_range[][2]", rows, 5)

    leads, vowels, tails = jamo
    w.line("/* Jamo short names, from which Hangul syllable names are built. */")
    w.numbers("static const char *const uni_jamo_lead[19]", leads, 10)
    w.numbers("static const char *const uni_jamo_vowel[21]", vowels, 10)
    w.numbers("static const char *const uni_jamo_tail[28]", tails, 10)


def write_nfkc(w, decomp, ccc, pairs):
    w.line("/*")
    w.line(" * Full compatibility decompositions (NFKD of one code point, Hangul")
    w.line(" * syllables excepted): uni_decomp holds {cp, offset << 5 | length} into")
    w.line(" * uni_decomp_data, sorted by cp.")
    w.line(" */")
    rows, data = [], []
    for cp, seq in decomp:
        assert len(seq) < 32
        rows.append((cp, len(data) << 5 | len(seq)))
        data.extend(seq)
    w.line("#define UNI_DECOMP_COUNT %d" % len(rows))
    w.line("#define UNI_DECOMP_MAX %d" % max(len(s) for _c, s in decomp))
    w.numbers("static const uint32_t uni_decomp[][2]", rows, 5)
    w.numbers("static const uint32_t uni_decomp_data[]", data, 10)
    w.line("/* Canonical combining classes other than 0: {first, last, class}. */")
    w.line("#define UNI_CCC_COUNT %d" % len(ccc))
    w.numbers("static const uint32_t uni_ccc[][3]", ccc, 4)
    w.line("/* Canonical composition: {first, second, composite}, sorted. */")
    w.line("#define UNI_COMPOSE_COUNT %d" % len(pairs))
    w.numbers("static const uint32_t uni_compose[][3]", pairs, 4)


def generate(alias_path):
    w = Writer()
    entries, fams, naliases = name_tables(alias_path)
    w.line("/*")
    w.line(" * uni_tables.inc - generated by tools/gen_unicode.py from Python's")
    w.line(" * unicodedata (Unicode %s); do not edit.  Included by uni.c only."
           % unicodedata.unidata_version)
    w.line(" * %d names (%d of them aliases), %d name families."
           % (len(entries), naliases, len(fams)))
    w.line(" */")
    w.line()
    write_identifiers(w, *xid_tables())
    write_names(w, entries, fams, hangul_jamo())
    write_nfkc(w, *nfkc_tables())
    while w.lines and w.lines[-1] == "":
        w.lines.pop()
    return "\n".join(w.lines) + "\n"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aliases", default="/usr/share/unicode/NameAliases.txt",
                    help="the UCD's NameAliases.txt (Debian: unicode-data)")
    ap.add_argument("-o", "--output", default=os.path.join(root, "src", "uni_tables.inc"))
    args = ap.parse_args()
    text = generate(args.aliases)
    with open(args.output, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    print("wrote %s (%d bytes)" % (args.output, len(text)), file=sys.stderr)


if __name__ == "__main__":
    main()
