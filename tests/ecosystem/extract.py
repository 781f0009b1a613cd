#!/usr/bin/env python3
"""extract.py - rebuild the ecosystem corpus from git copies of its repositories.

    extract.py GITDIR COMMIT DEST     one repository at one commit into DEST
    extract.py --all GITROOT CORPUS   every row of repos.tsv into CORPUS/owner__name

GITDIR is a git directory (bare or not) that holds COMMIT.  With --all, the
git directory of owner/name is looked for under GITROOT as owner+name/repo,
owner+name, owner__name or owner__name.git (the first that exists); a folder
already in CORPUS is kept unless --force.

What is taken: the Python sources (*.py) and the files that say which
FastAPI and SQLAlchemy versions a project uses: pyproject.toml,
requirements*.txt, *.txt in a requirements/ folder, *.lock, setup.cfg and
Pipfile, wherever they are in the tree.  Nothing else: sessionlint's file
walk, the versions it reads and so the findings depend on exactly this set,
so a corpus rebuilt here gives the runs that judgements.tsv was written for.
Only regular files are written (no symbolic links).

The file list comes from `git ls-tree`, the contents from one `git cat-file
--batch`, object by object: a copy that lacks some large files (snapshots
often leave out files of several MB, none of them Python) still works.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WANTED = re.compile(r"""(
      \.py
    | pyproject\.toml
    | requirements[^/]*\.txt
    | /requirements/[^/]*\.txt
    | \.lock
    | setup\.cfg
    | Pipfile
    )$""", re.VERBOSE)


def wanted(path):
    return WANTED.search(path) is not None


def wanted_blobs(git_dir, commit):
    """(path, object id) of every wanted regular file of COMMIT."""
    listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", commit],
                             check=True, capture_output=True).stdout
    blobs = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        mode, kind, oid = meta.split()
        name = path.decode("utf-8", "surrogateescape")
        if kind == b"blob" and mode in (b"100644", b"100755") and wanted(name):
            blobs.append((name, oid))
    return blobs


def extract(git_dir, commit, dest):
    """Writes the wanted files of COMMIT into DEST; returns how many."""
    blobs = wanted_blobs(git_dir, commit)
    if not blobs:
        raise SystemExit(f"extract.py: nothing to take at {commit} in {git_dir}")
    cat = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for name, oid in blobs:  # one question, one answer: no pipe can fill up
        cat.stdin.write(oid + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if len(header) != 3:
            raise SystemExit(f"extract.py: {name} is missing from {git_dir}")
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)  # the newline after the contents
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(data)
    cat.stdin.close()
    cat.wait()
    return len(blobs)


def find_git_dir(root, repo):
    owner, name = repo.split("/", 1)
    for cand in (f"{owner}+{name}/repo", f"{owner}+{name}", f"{owner}__{name}", f"{owner}__{name}.git"):
        path = os.path.join(root, cand)
        if os.path.isfile(os.path.join(path, "HEAD")) or os.path.isdir(os.path.join(path, ".git")):
            return path if os.path.isfile(os.path.join(path, "HEAD")) else os.path.join(path, ".git")
    return None


def extract_all(root, corpus, force):
    missing = 0
    with open(os.path.join(HERE, "repos.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    for repo, commit, *_ in rows:
        dest = os.path.join(corpus, repo.replace("/", "__"))
        if os.path.isdir(dest) and not force:
            print(f"{repo}: kept {dest}")
            continue
        git_dir = find_git_dir(root, repo)
        if git_dir is None:
            print(f"{repo}: no git copy under {root}", file=sys.stderr)
            missing += 1
            continue
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        print(f"{repo}: {extract(git_dir, commit, dest)} files")
    return 1 if missing else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", action="store_true", help="every repository of repos.tsv")
    ap.add_argument("--force", action="store_true", help="with --all: extract again over existing folders")
    ap.add_argument("args", nargs="+", help="GITDIR COMMIT DEST, or with --all GITROOT CORPUS")
    a = ap.parse_args()
    if a.all:
        if len(a.args) != 2:
            ap.error("--all takes GITROOT CORPUS")
        return extract_all(a.args[0], a.args[1], a.force)
    if len(a.args) != 3:
        ap.error("takes GITDIR COMMIT DEST")
    print(f"{extract(*a.args)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
