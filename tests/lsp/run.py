#!/usr/bin/env python3
"""run.py - the language server suite: `sessionlint server` driven over
standard input and output by the small client in client.py, one behaviour
per test, and Neovim's own LSP client on the example app (nvim_test.lua).

Each test starts a server on a project it writes in a temporary folder (or
on examples/shop) and checks what the protocol promises: the lifecycle,
text synchronization (full and incremental, in UTF-16, UTF-8 and UTF-32),
diagnostics with code, rule page, severity, source and the witness path,
code actions (the fix, `# noqa`, the rule's page, fix-all), configuration
changes, the cross-file case (an edit of a provider changes the findings of
an endpoint elsewhere), malformed input, cancellation, the end of input,
and memory over 10,000 edits.  Where it can, a test compares the server
with the command line on the same text: they must agree.

Usage: tests/lsp/run.py [-v] [--bin PATH] [-k SUBSTRING]
The last line is `N passed, N failed, N skipped`.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from client import Client, uri  # noqa: E402

BIN = None
SHOP = os.path.join(ROOT, "examples", "shop")

DB = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
"""

API = """\
from fastapi import APIRouter, Depends
from sqlalchemy import text

from .db import get_db

router = APIRouter()


@router.get("/items")
def items(db=Depends(get_db)):
    rows = db.execute(text("select 1")).all()
    db.close()
    return rows
"""

JOBS = """\
from .db import SessionLocal


def nightly(q):
    s = SessionLocal()
    s.execute(q)
    s.close()
"""


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def project(tmp, files):
    """Writes files ({relative path: text}) under tmp/proj; returns its path."""
    root = os.path.realpath(os.path.join(tmp, "proj"))
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
    return root


def app(tmp):
    return project(tmp, {"app/__init__.py": "", "app/db.py": DB, "app/api.py": API,
                         "app/jobs.py": JOBS})


def start(root, capabilities=None, options=None):
    c = Client(BIN, cwd=root)
    r = c.initialize(root, capabilities, options)
    check(r and "result" in r, f"initialize answered {r}")
    return c


def codes(params):
    return sorted(d["code"] for d in params["diagnostics"])


def cli_json(root, path, text, *args):
    """The command line's findings for text as the file path of root."""
    p = subprocess.run([BIN, "--format", "json", "--stdin-filename", path, *args, "-"],
                       input=text.encode(), cwd=root, capture_output=True)
    return json.loads(p.stdout)["findings"]


def cli_fix(root, path, text, *args):
    p = subprocess.run([BIN, "--fix", "--stdin-filename", path, *args, "-"],
                       input=text.encode(), cwd=root, capture_output=True)
    return p.stdout.decode()


def apply_edits(text, edits, enc="utf-16"):
    """text with LSP TextEdits applied (positions in enc), last first."""
    lines = text.splitlines(keepends=True) or [""]

    def offset(pos):
        line, ch = pos["line"], pos["character"]
        start = sum(len(l) for l in lines[:line])
        if line >= len(lines):
            return len(text)
        s = lines[line].rstrip("\r\n")
        units = 0
        for k, c in enumerate(s):
            if units >= ch:
                return start + k
            units += len(c.encode("utf-16-le")) // 2 if enc == "utf-16" else \
                len(c.encode()) if enc == "utf-8" else 1
        return start + len(s)
    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"])
                    for e in edits), reverse=True)
    for a, b, t in spans:
        text = text[:a] + t + text[b:]
    return text


def only_edits(action, doc_uri):
    changes = action["edit"]["changes"]
    check(list(changes) == [doc_uri], f"edits of other files: {list(changes)}")
    return changes[doc_uri]


def anchor(heading):
    """GitHub's anchor of a Markdown heading."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


# ---- lifecycle ----

def test_lifecycle(tmp):
    root = app(tmp)
    c = Client(BIN, cwd=root)
    try:
        r = c.call("textDocument/codeAction", {})
        check(r["error"]["code"] == -32002, f"before initialize: {r}")
        r = c.initialize(root)
        caps = r["result"]["capabilities"]
        check(caps["positionEncoding"] == "utf-16", caps)
        check(caps["textDocumentSync"]["change"] == 2 and caps["textDocumentSync"]["openClose"], caps)
        check("quickfix" in caps["codeActionProvider"]["codeActionKinds"], caps)
        check("source.fixAll.sessionlint" in caps["codeActionProvider"]["codeActionKinds"], caps)
        check(caps["executeCommandProvider"]["commands"] == ["sessionlint.showRule"], caps)
        check(r["result"]["serverInfo"]["name"] == "sessionlint", r)
        r = c.call("initialize", {"capabilities": {}})
        check("error" in r, f"a second initialize: {r}")
        r = c.call("shutdown")
        check(r.get("result", "missing") is None and "error" not in r, f"shutdown: {r}")
        r = c.call("textDocument/codeAction", {})
        check(r["error"]["code"] == -32600, f"after shutdown: {r}")
        c.notify("exit")
        check(c.proc.wait(timeout=10) == 0, "exit after shutdown is status 0")
    finally:
        c.kill()


def test_exit_without_shutdown(tmp):
    c = start(app(tmp))
    c.notify("exit")
    check(c.proc.wait(timeout=10) == 1, "exit without shutdown is status 1")


def test_eof_ends_server(tmp):
    root = app(tmp)
    c = start(root)
    c.open(os.path.join(root, "app", "jobs.py"))
    c.proc.stdin.close()
    check(c.proc.wait(timeout=20) == 1, "the end of input ends the server (status 1: no shutdown)")


# ---- diagnostics ----

def test_diagnostics_shop(tmp):
    c = start(SHOP)
    try:
        u = c.open(os.path.join(SHOP, "items.py"))
        p = c.published(u, pred=lambda p: p["diagnostics"])
        check(p and p.get("version") == 1, f"published: {p}")
        check(codes(p) == ["SL103", "SL401"], codes(p))
        d = [d for d in p["diagnostics"] if d["code"] == "SL103"][0]
        check(d["range"]["start"] == {"line": 46, "character": 9}, d["range"])
        check(d["range"]["end"] == {"line": 46, "character": 23}, d["range"])
        check(d["severity"] == 2 and d["source"] == "sessionlint", d)
        check("not released" in d["message"], d["message"])
        href = d["codeDescription"]["href"]
        with open(os.path.join(ROOT, "docs", "design.md"), encoding="utf-8") as f:
            anchors = {anchor(h[4:]) for h in f.read().splitlines() if h.startswith("### SL")}
        check(href.split("#")[1] in anchors, f"{href} names no section of docs/design.md")
        steps = d["relatedInformation"]
        check([s["message"] for s in steps] ==
              ["session acquired here", "this may raise, and the exception leaves it open"], steps)
        check(steps[1]["location"]["range"]["start"] == {"line": 53, "character": 4}, steps[1])
        check(all(s["location"]["uri"] == u for s in steps), steps)
        sl401 = [d for d in p["diagnostics"] if d["code"] == "SL401"][0]
        check(sl401["relatedInformation"][0]["location"]["uri"] == uri(os.path.join(SHOP, "db.py")),
              "a step in another file names that file")
        # the workspace analysis publishes the file that does not parse
        r = c.published(uri(os.path.join(SHOP, "reports.py")))
        check(r and codes(r) == ["SL000"], f"reports.py: {r}")
    finally:
        c.kill()


def test_every_rule_url_is_a_section(tmp):
    """Each rule's codeDescription names a heading of docs/design.md."""
    with open(os.path.join(ROOT, "docs", "design.md"), encoding="utf-8") as f:
        anchors = {anchor(h[4:]) for h in f.read().splitlines() if h.startswith("### SL")}
    out = subprocess.run([BIN, "rule"], capture_output=True, text=True).stdout
    rules = [line.split()[:4] for line in out.splitlines() if line.startswith("SL")]
    for code, name, sev, on in rules:
        want = f"{code.lower()}-{name}-{sev}-{'on' if on == 'on' else 'off-by-default'}"
        check(want in anchors, f"no section {want}")
    check(len(rules) >= 15, f"rules listed: {len(rules)}")


def test_encodings(tmp):
    # an astral character and a 2-byte one before the finding on its line
    src = ("from .db import SessionLocal\n\n\ndef f(q):\n"
           "    s = SessionLocal(); t = '\U0001F600é'; s.execute(q)  # x\n    s.close()\n")
    root = project(tmp, {"app/__init__.py": "", "app/db.py": DB, "app/enc.py": src})
    line = src.splitlines()[4]
    col = line.index("SessionLocal")  # before the emoji: equal in every unit
    for enc, want_end in (("utf-16", None), ("utf-8", None), ("utf-32", None)):
        caps = {"general": {"positionEncodings": [enc]}}
        c = start(root, caps)
        try:
            u = c.open(os.path.join(root, "app", "enc.py"), src)
            p = c.published(u, pred=lambda p: p["diagnostics"])
            d = p["diagnostics"][0]
            check(d["range"]["start"]["character"] == col, (enc, d["range"]))
            # the step "this may raise" is at s.execute, after the emoji
            exe = line.index("s.execute")
            prefix = line[:exe]
            units = {"utf-16": len(prefix.encode("utf-16-le")) // 2,
                     "utf-8": len(prefix.encode()), "utf-32": len(prefix)}[enc]
            steps = [s["location"]["range"]["start"]["character"] for s in d["relatedInformation"]]
            check(units in steps, (enc, steps, units))
        finally:
            c.kill()


def test_syntax_error_buffer(tmp):
    root = app(tmp)
    c = start(root)
    try:
        u = c.open(os.path.join(root, "app", "jobs.py"), "def f(:\n    pass\n")
        p = c.published(u, pred=lambda p: p["diagnostics"])
        check(codes(p) == ["SL000"], p)
        check(p["diagnostics"][0]["severity"] == 1, p)
    finally:
        c.kill()


# ---- text synchronization ----

def test_did_change_full(tmp):
    root = app(tmp)
    c = start(root)
    try:
        path = os.path.join(root, "app", "jobs.py")
        u = c.open(path)
        p = c.published(u, pred=lambda p: p["diagnostics"])
        check(codes(p) == ["SL103"], p)
        fixed = JOBS.replace("    s = SessionLocal()\n    s.execute(q)\n    s.close()\n",
                             "    with SessionLocal() as s:\n        s.execute(q)\n")
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2},
                                            "contentChanges": [{"text": fixed}]})
        p = c.published(u, pred=lambda p: p.get("version") == 2)
        check(p and p["diagnostics"] == [], p)
    finally:
        c.kill()


def test_did_change_incremental_agrees_with_cli(tmp):
    """Random incremental edits, some inside lines, some across them; the
    server's diagnostics of the result are the command line's."""
    import random
    rnd = random.Random(15)
    root = app(tmp)
    c = start(root)
    try:
        path = os.path.join(root, "app", "jobs.py")
        text = JOBS + "\n\ndef other(q):\n    t = SessionLocal()\n    t.execute(q)\n    t.close()\n"
        u = c.open(path, text)
        snippets = ["x", "\n", "    pass\n", "é", "\U0001F600", "", "s.execute(q)\n    "]
        for v in range(2, 60):
            lines = text.splitlines(keepends=True)
            l0 = rnd.randrange(len(lines))
            l1 = min(len(lines) - 1, l0 + rnd.randrange(2))
            s0 = lines[l0].rstrip("\n")
            c0 = rnd.randrange(len(s0) + 1)
            s1 = lines[l1].rstrip("\n")
            c1 = rnd.randrange(len(s1) + 1) if l1 > l0 else rnd.randrange(c0, len(s1) + 1)
            new = rnd.choice(snippets)
            u16 = lambda s, k: len(s[:k].encode("utf-16-le")) // 2  # noqa: E731
            rng = {"start": {"line": l0, "character": u16(s0, c0)},
                   "end": {"line": l1, "character": u16(s1, c1)}}
            a = sum(len(x) for x in lines[:l0]) + c0
            b = sum(len(x) for x in lines[:l1]) + c1
            text = text[:a] + new + text[b:]
            c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": v},
                                                "contentChanges": [{"range": rng, "text": new}]})
        p = c.published(u, pred=lambda p: p.get("version") == 59, timeout=30)
        check(p is not None, "no diagnostics for the last version")
        want = sorted((f["code"], f["line"] - 1) for f in cli_json(root, "app/jobs.py", text))
        got = sorted((d["code"], d["range"]["start"]["line"]) for d in p["diagnostics"])
        check(got == want, f"server {got} != command line {want}")
        # a full replacement resynchronizes whatever happened before
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 60},
                                            "contentChanges": [{"text": JOBS}]})
        p = c.published(u, pred=lambda p: p.get("version") == 60)
        check(codes(p) == ["SL103"], p)
    finally:
        c.kill()


def test_save_and_close_outside_workspace(tmp):
    root = app(tmp)
    outside = os.path.join(os.path.realpath(tmp), "elsewhere.py")
    with open(outside, "w") as f:
        f.write(JOBS.replace("from .db import SessionLocal", "from sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker()"))
    c = start(root)
    try:
        u = c.open(outside)
        p = c.published(u, pred=lambda p: p["diagnostics"])
        check(codes(p) == ["SL103"], f"a file outside the workspace is analyzed alone: {p}")
        c.notify("textDocument/didSave", {"textDocument": {"uri": u}})
        c.notify("textDocument/didClose", {"textDocument": {"uri": u}})
        p = c.published(u, pred=lambda p: p["diagnostics"] == [])
        check(p and p["diagnostics"] == [], f"closed outside the workspace: cleared: {p}")
        r = c.call("textDocument/codeAction", {"textDocument": {"uri": u},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                   "context": {"diagnostics": []}})
        check(r["error"]["code"] == -32602, f"code actions of a closed file: {r}")
    finally:
        c.kill()


# ---- code actions ----

def actions_at(c, u, line, **ctx):
    r = c.call("textDocument/codeAction", {
        "textDocument": {"uri": u},
        "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
        "context": {"diagnostics": [], **ctx}})
    check("result" in r, f"codeAction: {r}")
    return r["result"]


def test_code_action_fix_noqa_rule(tmp):
    root = app(tmp)
    c = start(root)
    try:
        path = os.path.join(root, "app", "jobs.py")
        u = c.open(path)
        c.published(u, pred=lambda p: p["diagnostics"])
        acts = actions_at(c, u, 4)
        titles = [a["title"] for a in acts]
        check(len(acts) == 4 and acts[3]["kind"] == "source.fixAll.sessionlint", titles)
        fix, noqa, rule = acts[:3]
        check(fix["kind"] == "quickfix" and fix["isPreferred"], fix)
        check(fix["diagnostics"][0]["code"] == "SL103", fix)
        fixed = apply_edits(JOBS, only_edits(fix, u))
        check(fixed == cli_fix(root, "app/jobs.py", JOBS), f"the fix differs from --fix:\n{fixed}")
        check(noqa["title"] == "Disable SL103 for this line", noqa)
        quiet = apply_edits(JOBS, only_edits(noqa, u))
        check("s = SessionLocal()  # noqa: SL103\n" in quiet, quiet)
        check(cli_json(root, "app/jobs.py", quiet) == [], "the noqa comment suppresses it")
        check(rule["command"]["command"] == "sessionlint.showRule" and
              rule["command"]["arguments"] == ["SL103"], rule)
        r = c.call("workspace/executeCommand", rule["command"])
        check("SL103" in r["result"] and "release-skipped" in r["result"], r)
        m = c.seen(lambda m: m.get("method") == "window/showMessage")
        check(m and "SL103" in m[-1]["params"]["message"], f"showMessage: {m}")
        r = c.call("workspace/executeCommand", {"command": "sessionlint.nope", "arguments": []})
        check(r["error"]["code"] == -32602, r)
        # an existing noqa list grows
        text2 = JOBS.replace("    s = SessionLocal()\n", "    s = SessionLocal()  # noqa: SL201\n")
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2},
                                            "contentChanges": [{"text": text2}]})
        acts = actions_at(c, u, 4)
        noqa = [a for a in acts if a["title"].startswith("Disable")][0]
        check("# noqa: SL201, SL103\n" in apply_edits(text2, only_edits(noqa, u)), noqa)
        check([a["kind"] for a in actions_at(c, u, 0)] == ["source.fixAll.sessionlint"],
              "away from the finding: only fix-all")
    finally:
        c.kill()


def test_fix_all(tmp):
    src = JOBS + "\n\ndef other(q):\n    t = SessionLocal()\n    t.execute(q)\n    t.close()\n"
    root = app(tmp)
    for caps in ({}, {"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}}):
        c = start(root, caps)
        try:
            u = c.open(os.path.join(root, "app", "jobs.py"), src)
            c.published(u, pred=lambda p: p["diagnostics"])
            acts = actions_at(c, u, 0, only=["source.fixAll"])
            check(len(acts) == 1 and acts[0]["kind"] == "source.fixAll.sessionlint", acts)
            fixed = apply_edits(src, only_edits(acts[0], u))
            check(fixed == cli_fix(root, "app/jobs.py", src), f"fix-all differs from --fix:\n{fixed}")
            lazy = [a for a in actions_at(c, u, 4) if a.get("kind") == "source.fixAll.sessionlint"]
            check(len(lazy) == 1, lazy)
            if caps:  # resolved on demand
                check("edit" not in lazy[0] and "data" in lazy[0], lazy)
                r = c.call("codeAction/resolve", lazy[0])
                check(apply_edits(src, only_edits(r["result"], u)) == fixed, r)
            else:
                check("edit" in lazy[0], lazy)
        finally:
            c.kill()


# ---- project context ----

def test_cross_file(tmp):
    """Editing the provider module makes a finding in the endpoint module,
    which is not open: the workspace analysis publishes it."""
    root = app(tmp)
    c = start(root)
    try:
        api = uri(os.path.join(root, "app", "api.py"))
        jobs = uri(os.path.join(root, "app", "jobs.py"))
        p = c.published(jobs, pred=lambda p: p["diagnostics"])
        check(p and codes(p) == ["SL103"], f"the first workspace analysis: {p}")
        check(api not in c.diagnostics or c.diagnostics[api]["diagnostics"] == [], c.diagnostics.get(api))
        u = c.open(os.path.join(root, "app", "db.py"))
        committed = DB.replace("        yield db\n", "        yield db\n        db.commit()\n")
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2},
                                            "contentChanges": [{"text": committed}]})
        p = c.published(u, pred=lambda p: p.get("version") == 2)
        check(codes(p) == ["SL204"], f"the provider's own finding: {p}")
        p = c.published(api, pred=lambda p: p["diagnostics"], timeout=30)
        check(p and codes(p) == ["SL105"], f"the endpoint's finding: {p}")
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 3},
                                            "contentChanges": [{"text": DB}]})
        p = c.published(api, pred=lambda p: not p["diagnostics"], timeout=30)
        check(p is not None, "the endpoint's finding goes when the provider is undone")
    finally:
        c.kill()


def test_configuration_changes(tmp):
    root = app(tmp)
    c = start(root, {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}})
    try:
        reg = c.wait(lambda m: m.get("method") == "client/registerCapability", 10)
        check(reg is not None, "file watchers registered")
        c.send({"jsonrpc": "2.0", "id": reg["id"], "result": None})
        u = c.open(os.path.join(root, "app", "jobs.py"))
        check(codes(c.published(u, pred=lambda p: p["diagnostics"])) == ["SL103"], "before")
        # settings from the editor
        c.notify("workspace/didChangeConfiguration", {"settings": {"sessionlint": {"ignore": ["SL103"]}}})
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2},
                                            "contentChanges": [{"text": JOBS + "\n"}]})
        p = c.published(u, pred=lambda p: p.get("version") == 2)
        check(p["diagnostics"] == [], f"ignore from the settings: {p}")
        c.notify("workspace/didChangeConfiguration", {"settings": {"sessionlint": {"select": ["SL1", "NOPE"]}}})
        m = c.wait(lambda m: m.get("method") == "window/showMessage", 10)
        check(m and "NOPE" in m["params"]["message"], f"a bad selector is said: {m}")
        # a configuration file, announced by the watcher
        c.notify("workspace/didChangeConfiguration", {"settings": {}})
        with open(os.path.join(root, "pyproject.toml"), "w") as f:
            f.write('[tool.sessionlint]\nignore = ["SL1"]\n')
        c.notify("workspace/didChangeWatchedFiles",
                 {"changes": [{"uri": uri(os.path.join(root, "pyproject.toml")), "type": 1}]})
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 3},
                                            "contentChanges": [{"text": JOBS}]})
        p = c.published(u, pred=lambda p: p.get("version") == 3)
        check(p["diagnostics"] == [], f"pyproject.toml's ignore: {p}")
        # unannounced (Neovim 0.7 has no watchers): noticed all the same
        time.sleep(0.05)
        with open(os.path.join(root, "pyproject.toml"), "w") as f:
            f.write('[tool.sessionlint]\nselect = ["SL103"]\n')
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 4},
                                            "contentChanges": [{"text": JOBS + "\n"}]})
        p = c.published(u, pred=lambda p: p.get("version") == 4)
        check(codes(p) == ["SL103"], f"a changed pyproject.toml, not announced: {p}")
        # a broken one: said, and the analysis goes on without it
        with open(os.path.join(root, "pyproject.toml"), "w") as f:
            f.write('[tool.sessionlint]\nselct = ["SL103"]\n')
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 5},
                                            "contentChanges": [{"text": JOBS}]})
        m = c.wait(lambda m: m.get("method") == "window/showMessage", 10)
        check(m and "selct" in m["params"]["message"], f"the broken configuration is said: {m}")
        p = c.published(u, pred=lambda p: p.get("version") == 5)
        check(codes(p) == ["SL103"], p)
    finally:
        c.kill()


def test_package_root(tmp):
    """A workspace that is itself a package (examples/shop opened alone):
    the modules it imports are still found for context."""
    c = start(SHOP)
    try:
        u = c.open(os.path.join(SHOP, "items.py"))
        p = c.published(u, pred=lambda p: p["diagnostics"])
        check(codes(p) == ["SL103", "SL401"], p)
    finally:
        c.kill()
    p = subprocess.run([BIN, "--format", "json", "items.py"], cwd=SHOP, capture_output=True, text=True)
    check(len(json.loads(p.stdout)["findings"]) == 2, "the command line inside the package too")


# ---- robustness ----

def frame(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_malformed_input(tmp):
    root = app(tmp)
    c = start(root)
    try:
        c.send_raw(frame(b'{"jsonrpc": "2.0", "id": 5, "method": '))
        r = c.wait(lambda m: "error" in m and m.get("id") is None, 10)
        check(r and r["error"]["code"] == -32700, f"malformed JSON: {r}")
        c.send_raw(b"Content-Type: x\r\n\r\n")  # no Content-Length
        r = c.wait(lambda m: "error" in m and m.get("id") is None, 10)
        check(r and r["error"]["code"] == -32700, f"no Content-Length: {r}")
        c.send_raw(b"Content-Length: zz\r\n\r\n")
        r = c.wait(lambda m: "error" in m and m.get("id") is None, 10)
        check(r and r["error"]["code"] == -32700, f"bad Content-Length: {r}")
        for body in (b"[1, 2]", b"42", b'"x"', b'{"jsonrpc": "2.0"}'):
            c.send_raw(frame(body))
            r = c.wait(lambda m: "error" in m, 10)
            check(r and r["error"]["code"] == -32600, f"{body}: {r}")
        c.send_raw(frame(b"[" * 100000 + b"]" * 100000))
        r = c.wait(lambda m: "error" in m, 10)
        check(r and r["error"]["code"] == -32700, f"deep nesting: {r}")
        c.send_raw(frame(b'{"jsonrpc":"2.0","method":"x","params":"\xff\xfe\\ud800"}'))
        r = c.call("sessionlint/nonsense", {})
        check(r["error"]["code"] == -32601, f"unknown method: {r}")
        c.notify("sessionlint/unknownNotification", {"a": 1})
        c.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nowhere.py", "version": 2},
                                            "contentChanges": [{"text": "x"}]})
        c.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:Untitled-1", "text": "x",
                                                           "version": 1, "languageId": "python"}})
        c.notify("textDocument/didOpen", {"textDocument": {"uri": 7}})
        c.notify("textDocument/didOpen", "not an object")
        u = c.open(os.path.join(root, "app", "jobs.py"))
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 999, "character": 5}, "end": {"line": -3, "character": 99}},
             "text": "\n"}, {"range": "bad", "text": 1}, {"text": JOBS}]})
        r = c.call("textDocument/codeAction", {"textDocument": {"uri": u}})
        check(r["error"]["code"] == -32602, f"codeAction without a range: {r}")
        r = c.call("workspace/executeCommand", {"command": "sessionlint.showRule", "arguments": ["SL999"]})
        check(r["error"]["code"] == -32602, r)
        p = c.published(u, pred=lambda p: p.get("version") == 2)
        check(codes(p) == ["SL103"], f"the server still works: {p}")
        check(c.close() == 0, "and shuts down cleanly")
    finally:
        c.kill()


def test_mutated_messages(tmp):
    """Valid messages with random bytes changed, dropped or repeated, each
    framed with its new length: errors or nothing, never a crash."""
    import random
    rnd = random.Random(7)
    root = app(tmp)
    c = start(root)
    try:
        u = c.open(os.path.join(root, "app", "jobs.py"))
        c.published(u, pred=lambda p: p["diagnostics"])
        seeds = [
            {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": u, "version": 2}, "contentChanges": [
                    {"range": {"start": {"line": 4, "character": 4}, "end": {"line": 5, "character": 1}},
                     "text": "é\n"}]}},
            {"jsonrpc": "2.0", "id": 1, "method": "textDocument/codeAction", "params": {
                "textDocument": {"uri": u}, "range": {"start": {"line": 4, "character": 0},
                                                    "end": {"line": 6, "character": 0}},
                "context": {"diagnostics": [], "only": ["quickfix", "source.fixAll"]}}},
            {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
             "params": {"command": "sessionlint.showRule", "arguments": ["SL103"]}},
            {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
             "params": {"settings": {"sessionlint": {"select": ["SL1"], "context": ["all"]}}}},
        ]
        for k in range(300):
            body = bytearray(json.dumps(rnd.choice(seeds)).encode())
            for _ in range(rnd.randrange(1, 4)):
                at = rnd.randrange(len(body))
                op = rnd.randrange(3)
                if op == 0:
                    body[at] = rnd.randrange(256)
                elif op == 1:
                    del body[at]
                else:
                    body[at:at] = body[at:at + rnd.randrange(1, 8)]
            c.send_raw(frame(bytes(body)))
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 1000},
                                            "contentChanges": [{"text": JOBS}]})
        p = c.published(u, pred=lambda p: p.get("version") == 1000, timeout=60)
        check(p is not None and c.proc.poll() is None, "the server survives and still answers")
    finally:
        c.kill()


def test_cancel(tmp):
    root = app(tmp)
    c = start(root)
    try:
        u = c.open(os.path.join(root, "app", "jobs.py"))
        c.published(u, pred=lambda p: p["diagnostics"])
        params = {"textDocument": {"uri": u},
                  "range": {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 0}},
                  "context": {"diagnostics": [], "only": ["source.fixAll"]}}
        msgs = [{"jsonrpc": "2.0", "method": "textDocument/didChange",
                 "params": {"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": JOBS + "\n"}]}},
                {"jsonrpc": "2.0", "id": 100, "method": "textDocument/codeAction", "params": params},
                {"jsonrpc": "2.0", "id": 101, "method": "textDocument/codeAction", "params": params},
                {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 101}}]
        c.send_raw(b"".join(frame(json.dumps(m).encode()) for m in msgs))
        a = c.response(100)
        b = c.response(101)
        check(a and "result" in a, f"the first request is answered: {a}")
        check(b and b.get("error", {}).get("code") == -32800, f"the cancelled one: {b}")
        c.notify("$/cancelRequest", {"id": 12345})  # unknown: nothing happens
        r = c.call("textDocument/codeAction", params)
        check("result" in r, r)
    finally:
        c.kill()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_memory_flat_over_10000_edits(tmp):
    root = app(tmp)
    c = start(root)
    try:
        u = c.open(os.path.join(root, "app", "jobs.py"))
        c.published(u, pred=lambda p: p["diagnostics"])
        rss = {}
        v = 1
        for k in range(1, 10001):
            v += 1
            line = 4 + (k % 3)
            c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": v}, "contentChanges": [
                {"range": {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 4}},
                 "text": "x" if k % 2 else ""},
                {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                 "text": ""}]})
            if k % 20 == 0:  # an analysis every 20 edits (the rest coalesce)
                check(c.published(u, pred=lambda p, v=v: p.get("version") == v, timeout=30),
                      f"no diagnostics for version {v}")
            if k in (2000, 10000):
                rss[k] = rss_kb(c.proc.pid)
        grown = rss[10000] - rss[2000]
        if VERBOSE:
            print(f"    RSS after 2,000 edits {rss[2000]} kB, after 10,000 {rss[10000]} kB")
        check(grown < max(4096, rss[2000] // 10), f"memory grew by {grown} kB: {rss}")
    finally:
        c.kill()


# ---- a real client ----

def test_neovim(tmp):
    nvim = shutil.which("nvim")
    if not nvim:
        raise Skip("neovim: nvim not installed (Debian: neovim)")
    work = os.path.join(os.path.realpath(tmp), "shop")
    shutil.copytree(SHOP, work)
    env = dict(os.environ, SESSIONLINT=os.path.abspath(BIN), SHOP=work, HOME=os.path.realpath(tmp),
               XDG_CONFIG_HOME=os.path.join(tmp, "cfg"), XDG_DATA_HOME=os.path.join(tmp, "data"),
               XDG_STATE_HOME=os.path.join(tmp, "state"))
    p = subprocess.run([nvim, "--headless", "--clean", "-n", "-u", os.path.join(HERE, "nvim_test.lua")],
                       env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    out = p.stdout + p.stderr
    if VERBOSE:
        print(out)
    check(p.returncode == 0 and "nvim_test: ok" in out, f"neovim (status {p.returncode}):\n{out}")


class Skip(Exception):
    pass


SANITIZED = ["test_lifecycle", "test_diagnostics_shop", "test_encodings",
             "test_did_change_incremental_agrees_with_cli", "test_code_action_fix_noqa_rule",
             "test_fix_all", "test_cross_file", "test_configuration_changes",
             "test_malformed_input", "test_mutated_messages", "test_cancel",
             "test_eof_ends_server"]


def sanitized(name, sanitizer, tmp):
    """The protocol tests again on `make NAME`'s binary: a sanitizer report
    on the server's standard error fails them."""
    global BIN
    cc = os.environ.get("CC", "cc")
    probe = os.path.join(tmp, "t.c")
    with open(probe, "w") as f:
        f.write("int main(void) { return 0; }\n")
    if subprocess.run([cc, f"-fsanitize={sanitizer}", "-o", probe + ".out", probe],
                      capture_output=True).returncode != 0:
        raise Skip(f"lsp under {name}: {cc} cannot link -fsanitize={sanitizer} "
                   "(Debian: libasan8 libubsan1 libtsan2 for gcc)")
    make = os.environ.get("MAKE", "make")
    b = subprocess.run([make, "-s", "-j2", name], cwd=ROOT, capture_output=True, text=True)
    check(b.returncode == 0, f"make {name}: {b.stdout[-2000:]}{b.stderr[-2000:]}")
    plain, BIN = BIN, os.path.join(ROOT, "build", name, "sessionlint")
    Client.stderr_sink = []
    try:
        for t in TESTS:
            if t.__name__ in SANITIZED:
                sub = tempfile.mkdtemp(dir=tmp)
                t(sub)
    finally:
        BIN = plain
    reports = [line for line in Client.stderr_sink
               if "Sanitizer" in line or "runtime error" in line or "WARNING: ThreadSanitizer" in line]
    check(not reports, f"{name}: {''.join(Client.stderr_sink[:60])}")


def test_under_asan_ubsan(tmp):
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    sanitized("asan", "address", tmp)
    sanitized("ubsan", "undefined", tmp)


def test_under_tsan(tmp):
    sanitized("tsan", "thread", tmp)


TESTS = [v for k, v in list(globals().items())
         if k.startswith("test_") and k not in ("test_under_asan_ubsan", "test_under_tsan")]
TESTS += [test_under_asan_ubsan, test_under_tsan]
VERBOSE = False


def main():
    global BIN, VERBOSE
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--bin", default=os.environ.get("SESSIONLINT_BIN", os.path.join(ROOT, "build", "sessionlint")))
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    BIN, VERBOSE = os.path.abspath(args.bin), args.v
    passed = failed = skipped = 0
    for t in TESTS:
        if args.k not in t.__name__:
            continue
        tmp = tempfile.mkdtemp(prefix="sl-lsp-")
        t0 = time.monotonic()
        try:
            t(tmp)
            passed += 1
            print(f"ok   {t.__name__} ({time.monotonic() - t0:.1f}s)")
        except Skip as e:
            skipped += 1
            print(f"skip {e}")
        except Exception as e:  # a failed check or a broken test: both are failures
            failed += 1
            print(f"FAIL {t.__name__}: {e}")
            if not isinstance(e, Failure) or VERBOSE:
                traceback.print_exc()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
