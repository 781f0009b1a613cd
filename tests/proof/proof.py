"""proof.py - what every proof program shares.

A proof (tests/proof/slNNN.py) holds a rule page's bad example and its fixed
example as code, runs both against the PostgreSQL server that run.py started
(libpq's PGHOST/PGPORT/PGUSER/PGDATABASE name it; each proof has a fresh
database of its own), and records what it observed:

    p.bad("PoolError: trying to put unkeyed connection")   # the bad one failed so
    p.fixed("paid, connection returned once")              # the fixed one did not

Then it runs build/sessionlint on its own source (JSON, --select the rule):
a line that ends in `# expect: SL101` must be reported, every other line
must not; and the rule's page (`sessionlint rule SL101`) must have the
Observed section that reports what the proof saw (src/rulepages.def).  The last line printed is `ok SL101 <bad effect> | fixed: <...>` or
`FAIL SL101 <why>`, exit status 0 or 1; or `skip SL204 <why>`, exit status 3,
when the installed versions cannot show the failure (a FastAPI that runs
the dependency's exit code before the response cannot commit after it).  Any exception that escapes
the proof, or a check that does not hold, is a failure.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXPECT = re.compile(r"#\s*expect:\s*(SL\d{3}(?:\s*,\s*SL\d{3})*)\s*$")

# The Debian package of each module the proofs import.
PACKAGES = {
    "sqlalchemy": "python3-sqlalchemy",
    "psycopg2": "python3-psycopg2",
    "psycopg": "python3-psycopg",
    "psycopg_pool": "python3-psycopg-pool",
    "asyncpg": "python3-asyncpg",
    "fastapi": "python3-fastapi",
    "httpx": "python3-httpx",
}


class Failed(Exception):
    """A check of the proof that did not hold."""


class Skipped(Exception):
    """The installed versions cannot show what the rule is about."""


def versions():
    """{module: version} of the drivers and frameworks that import here."""
    out = {}
    for mod in ("sqlalchemy", "psycopg2", "psycopg", "psycopg_pool", "asyncpg",
                "fastapi", "starlette", "httpx"):
        try:
            m = __import__(mod)
        except ImportError:
            continue
        out[mod] = getattr(m, "__version__", "?").split()[0]
    return out


def version_tuple(mod):
    """The installed version of mod as a tuple of ints ((0,) if unknown)."""
    v = versions().get(mod, "0")
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3]) or (0,)


def admin():
    """A psycopg2 connection in autocommit to the proof's database, for the
    proof's own looks at the server (pg_stat_activity, row counts)."""
    import psycopg2
    conn = psycopg2.connect("")
    conn.autocommit = True
    return conn


def query(sql, params=None):
    """Rows of one statement, on a connection of its own (closed again)."""
    conn = admin()
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def sessions_holding(exclude=()):
    """pg_stat_activity rows (pid, state, query) of the other client backends
    connected to this database: the connections that are checked out or open."""
    rows = query("SELECT pid, state, query FROM pg_stat_activity "
                 "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                 "AND backend_type = 'client backend' ORDER BY pid")
    return [r for r in rows if r[0] not in exclude]


def against_concurrent_write(sql, params, fn, timeout=20):
    """Runs fn() in a thread while another client's SERIALIZABLE transaction
    has run sql (an UPDATE or INSERT that takes row locks) and not yet
    committed; once fn's statement waits for that lock, the other transaction
    commits.  That is two requests racing for one row, in a fixed order.
    Returns (fn's result, the exception it raised or None, whether it waited)."""
    import threading
    import time
    other = admin()
    other.autocommit = False
    other.set_session(isolation_level="SERIALIZABLE")
    out = {"result": None, "error": None}

    def target():
        try:
            out["result"] = fn()
        except Exception as e:  # fn's own failure is the evidence
            out["error"] = e
    try:
        with other.cursor() as cur:
            cur.execute(sql, params)
        th = threading.Thread(target=target)
        th.start()
        waited = False
        deadline = time.time() + timeout
        while th.is_alive() and time.time() < deadline and not waited:
            waited = bool(query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                                "AND wait_event_type = 'Lock'"))
            time.sleep(0.02)
        other.commit()
        th.join(timeout)
        if th.is_alive():
            raise Failed("%s still runs after %ds" % (getattr(fn, "__name__", fn), timeout))
    finally:
        other.close()
    return out["result"], out["error"], waited


def exc_text(e):
    """`Type: first line of the message`, as a traceback's last line shows it."""
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return "%s: %s" % (type(e).__name__, msg) if msg else type(e).__name__


def asgi_request(app, method, path, body=b"", log=None):
    """Serves one HTTP request to the ASGI app as a server does, without a
    network: returns (status, response body, the exception the app raised
    or None).  log (a list) gets ("response", status) when the response
    starts and ("body", bytes) when it is complete: what the client has seen,
    in order with whatever else the application appends to the same list."""
    import asyncio
    log = [] if log is None else log
    got = {"status": None, "body": b""}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "server": ("testserver", 80),
             "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}
    sent = {"body": False}

    async def receive():
        if not sent["body"]:
            sent["body"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected

    async def send(message):
        if message["type"] == "http.response.start":
            got["status"] = message["status"]
            log.append(("response", message["status"]))
        elif message["type"] == "http.response.body":
            got["body"] += message.get("body", b"")
            if not message.get("more_body"):
                log.append(("body", got["body"]))

    async def serve():
        try:
            await app(scope, receive, send)
        except Exception as e:  # a server logs it; the client has what it got
            return e
        return None

    err = asyncio.run(serve())
    return got["status"], got["body"], err


class Proof:
    """One rule's proof: what the bad and the fixed example did."""

    def __init__(self, code):
        self.code = code
        self.bads = []
        self.fixeds = []
        self.path = os.path.abspath(sys.modules["__main__"].__file__)

    def note(self, text):
        print("  " + text, flush=True)

    def bad(self, text, detail=None):
        """The bad example failed this way: text on the ok line, detail
        (the exact error, say) in the details only."""
        self.bads.append(text)
        self.note("bad:   " + text + (": " + detail if detail else ""))

    def fixed(self, text, detail=None):
        """The fixed example ran without the failure."""
        self.fixeds.append(text)
        self.note("fixed: " + text + (": " + detail if detail else ""))

    def skip(self, why):
        """Ends the proof as skipped: `skip CODE why` (exit status 3)."""
        raise Skipped(why)

    def check(self, cond, why):
        if not cond:
            raise Failed(why)

    def raises(self, types, fn, *args, **kw):
        """Calls fn and returns the exception it raised, which must be one of
        types; fails if it returns or raises something else."""
        try:
            fn(*args, **kw)
        except types as e:
            return e
        raise Failed("%s did not raise %s" % (getattr(fn, "__name__", fn),
                                              _names(types)))

    def line_of(self, text):
        """The number of the first line of this file that contains text."""
        with open(self.path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if text in line:
                    return n
        raise Failed("no line has %r" % text)

    def lint(self, args=(), config=None, also=(), drop=()):
        """Runs sessionlint on this file with --select CODE and compares the
        findings with the `# expect:` lines, plus the (line, code) pairs of
        also and less those of drop (findings that depend on the installed
        versions).  config: TOML text for --config."""
        binary = os.environ.get("SESSIONLINT_BIN") or os.path.join(ROOT, "build", "sessionlint")
        # --context all: this file sits under tests/, but what it lints is the
        # page's application code, reported as such
        cmd = [binary, "--format", "json", "--select", self.code, "--context", "all"]
        tmp = None
        if config is not None:
            tmp = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
            tmp.write(config)
            tmp.close()
            cmd += ["--config", tmp.name]
        else:
            cmd.append("--no-config")
        cmd += list(args) + [self.path]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        finally:
            if tmp is not None:
                os.unlink(tmp.name)
        if r.returncode not in (0, 1):
            raise Failed("sessionlint exited %d: %s" % (r.returncode, r.stderr.strip()))
        found = {(f["line"], f["code"]): f["message"] for f in json.loads(r.stdout)["findings"]}
        want = set()
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for n, line in enumerate(lines, 1):
            m = EXPECT.search(line)
            if m:
                want |= {(n, c.strip()) for c in m.group(1).split(",")}
        want = (want | set(also)) - set(drop)
        self.check(drop or any(c == self.code for _, c in want),
                   "no `# expect: %s` line" % self.code)
        missing = sorted(want - set(found))
        extra = sorted(set(found) - want)
        problems = ["line %d: %s not reported: %s" % (n, c, lines[n - 1].strip())
                    for n, c in missing]
        problems += ["line %d: unexpected %s: %s" % (n, c, found[(n, c)]) for n, c in extra]
        if problems:
            raise Failed("sessionlint disagrees with the proof: " + "; ".join(problems))
        page = subprocess.run([binary, "rule", self.code], capture_output=True, text=True,
                              timeout=60).stdout
        self.check("\nObserved\n" in page, "the page of %s has no Observed section" % self.code)
        self.note("sessionlint %s: reports line%s %s, nothing else" % (
            " ".join(args) or "", "s" if len(want) > 1 else "",
            ", ".join(str(n) for n, _ in sorted(want))))


def _names(types):
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join(t.__name__ for t in types)


def run(code, body):
    """Runs body(p) for the rule code and prints the verdict line; exits."""
    p = Proof(code)
    try:
        body(p)
        if not p.bads or not p.fixeds:
            raise Failed("the proof recorded no %s" % ("failure of the bad example"
                                                        if not p.bads else "fixed run"))
    except Failed as e:
        print("FAIL %s %s" % (code, e), flush=True)
        sys.exit(1)
    except Skipped as e:
        print("skip %s %s" % (code, e), flush=True)
        sys.exit(3)
    except BaseException as e:  # a crash of the proof is its failure too
        traceback.print_exc(file=sys.stdout)
        print("FAIL %s the proof raised %s" % (code, exc_text(e)), flush=True)
        sys.exit(1)
    print("ok %s %s | fixed: %s" % (code, "; ".join(p.bads), "; ".join(p.fixeds)), flush=True)
    sys.exit(0)
