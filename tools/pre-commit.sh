#!/bin/sh
# pre-commit.sh - the entry of the `sessionlint` hook of .pre-commit-hooks.yaml
# (language: script).  pre-commit runs it from its own clone of this
# repository, with the staged Python files as arguments.  The first run
# builds sessionlint there with make and the system C compiler (a few
# seconds); later runs find it built and make does nothing.  Exit status:
# sessionlint's (1 when there are findings, which refuses the commit), or 2
# when the build fails.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
# CI= : a CI runner exports CI=true, which would add -Werror to this build.
if ! (cd "$root" && make -s -j"$jobs" CI= >&2); then
    echo "sessionlint: building the hook failed (it needs a C compiler and make)" >&2
    exit 2
fi
exec "$root/build/sessionlint" "$@"
