#!/usr/bin/env python3
"""Print the .py files of this Python's standard library, one absolute path a
line, sorted bytewise, without site-packages/dist-packages (third-party code).

usage: stdlib_list.py [OUTFILE]     (default: standard output)

Shared by the differential test (tests/diff_stdlib.py), the sanitizer pass
(tests/sanitize_stdlib.sh) and the benchmark (bench/run.sh), so all three
see the same files.
"""
import os
import sys
import sysconfig

SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__"}


def stdlib_files():
    root = sysconfig.get_paths()["stdlib"]
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for f in filenames:
            if f.endswith(".py"):
                out.append(os.path.join(dirpath, f))
    out.sort(key=os.fsencode)
    return out


def main(argv):
    text = "".join(p + "\n" for p in stdlib_files())
    if len(argv) > 1:
        with open(argv[1], "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv)
