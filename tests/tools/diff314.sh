#!/bin/sh
# diff314.sh - the differential test on CPython 3.14's own standard library,
# with CPython 3.14 as the oracle: Pyodide's stdlib (python_stdlib.zip) is
# unpacked into build/py314/, dumped by pyast_dump.py under Pyodide (see
# py314.sh), and compared with `debug ast` by tests/diff_stdlib.py --ref.
# A developer tool (needs node and npm); `make check` does not run it.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=build/py314
"$(dirname "$0")/py314.sh" /dev/null >/dev/null   # installs Pyodide if needed
if [ ! -f "$OUT/list.txt" ]; then
    rm -rf "${OUT:?}/lib"
    mkdir -p "$OUT/lib"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
        build/pyodide/node_modules/pyodide/python_stdlib.zip "$OUT/lib"
    find "$OUT/lib" -name '*.py' | LC_ALL=C sort >"$OUT/list.txt"
fi
if [ ! -s "$OUT/ref.txt" ]; then
    # shellcheck disable=SC2046
    node build/pyodide/py314.mjs "${PYAST_DUMP:-$ROOT/tests/pyast_dump.py}" \
        $(cat "$OUT/list.txt") >"$OUT/ref.txt" 2>"$OUT/ref.err"
fi
exec python3 tests/diff_stdlib.py --ref "$OUT/ref.txt" --list "$OUT/list.txt" "$@"
