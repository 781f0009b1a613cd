#!/bin/sh
# py314.sh - CPython 3.14's dump of Python files, for writing and checking the
# .expect files of tests/parser/ (syntax newer than the machine's Python).
#
#   tests/tools/py314.sh FILE...           print pyast_dump.py's output
#   tests/tools/py314.sh --write CASE.py   (re)write CASE.expect from it
#
# Runs CPython 3.14 compiled to WebAssembly (the `pyodide` npm package,
# installed once into build/pyodide with npm) under Node.js.  A developer
# tool: `make check` never needs it.  Read every regenerated .expect before
# committing it.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYO="$ROOT/build/pyodide"
VERSION=${PYODIDE_VERSION:-314.0.7}
DUMP=${PYAST_DUMP:-$ROOT/tests/pyast_dump.py}
command -v node >/dev/null || { echo "py314.sh: needs node (apt-get install nodejs npm)" >&2; exit 2; }
if [ ! -d "$PYO/node_modules/pyodide" ]; then
    mkdir -p "$PYO"
    (cd "$PYO" && npm install --silent --no-save --no-package-lock "pyodide@$VERSION" >&2)
fi
cp "$(dirname "$0")/py314.mjs" "$PYO/py314.mjs"
if [ "${1:-}" = --write ]; then
    shift
    for f in "$@"; do
        node "$PYO/py314.mjs" "$DUMP" "$f" | sed 1d >"${f%.py}.expect"
        echo "wrote ${f%.py}.expect"
    done
else
    exec node "$PYO/py314.mjs" "$DUMP" "$@"
fi
