"""sites.py - where the mutation check injects a defect, and how (read by run.py).

A Project indexes one repository from its source alone, independently of
sessionlint: which names are session factories (sessionmaker results, the
SQLAlchemy/SQLModel Session classes, functions returning a session), which
are context managers (generators, @contextmanager), engines, pools, the
FastAPI endpoints and dependencies.  Each operator (OPERATORS, below) walks
a module's functions for places where a resource is handled correctly and
returns Sites; Site.build() makes the mutant: the new text of that one file,
edited line by line so that everything else keeps its bytes, the lines near
which the expected finding must appear (anchors, in the mutant's numbering)
and the map from the original's line numbers to the mutant's.

The index is a heuristic, on purpose: it decides what is a real defect
(a session, connection or pooled connection whose release is lost), not
what sessionlint can see.  Every Site records how its resource was
recognized (`how`) so that survivors can be told apart later.
"""
import ast
import builtins
import io
import re
import tokenize

# Methods whose use on a name says it is a database session or connection
# (get and delete are left out: HTTP sessions have them too).
DB_METHODS = frozenset((
    "execute", "exec", "query", "add", "add_all", "commit", "flush", "refresh",
    "scalar", "scalars", "merge", "rollback", "begin", "begin_nested", "fetch",
    "fetchrow", "fetchval", "executemany", "cursor", "run_sync", "stream",
    "stream_scalars", "connection", "get_bind", "expunge", "expire",
    "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings",
    "copy_records_to_table", "transaction"))
# encode/databases: its connections serialize queries behind a lock, so
# gathering on one is not a defect.
DATABASES_API = frozenset(("fetch_all", "fetch_one", "fetch_val", "iterate", "execute_many"))
SA_MODULES = ("sqlalchemy", "sqlmodel")
# Top-level modules whose Session/connect/acquire are not database sessions.
NOT_DB = frozenset((
    "aiohttp", "requests", "httpx", "boto3", "botocore", "aiobotocore",
    "tensorflow", "onnxruntime", "mcp", "playwright", "selenium", "websockets",
    "websocket", "paramiko", "ssl", "smtplib", "ftplib", "socket", "redis",
    "aioredis", "kombu", "pika", "aio_pika", "grpc", "neo4j", "cassandra",
    "pymongo", "motor", "asyncssh", "docker", "kubernetes", "snowflake",
    "duckdb", "sqlite3", "aiosqlite", "databases", "threading", "asyncio",
    "multiprocessing", "niquests", "curl_cffi", "zeep"))
FACTORY_NAME = re.compile(r"(?i)(session_?local|session_?maker|session_?factory)$")
FACTORY_MAKERS = frozenset(("sessionmaker", "async_sessionmaker", "scoped_session"))
MAKER_NAME = re.compile(r"(?i)^_?(create|make|get|build|new|init)_\w*(maker|factory)$")
ENGINE_NAME = re.compile(r"(?i)(engine|connectable)$")
POOL_NAME = re.compile(r"(?i)pool")
HANDLE_NAME = re.compile(r"(?i)(session|sess|db|conn|connection|con|tx|uow)")
ROUTE_METHODS = frozenset(("get", "post", "put", "patch", "delete", "head",
                           "options", "api_route", "websocket", "route", "trace"))
TRY_LINE = re.compile(r"^\s*try\s*:\s*(#.*)?$")
FINALLY_LINE = re.compile(r"^\s*finally\s*:\s*(#.*)?$")
COLON_REST = re.compile(r"^\s*:\s*(#.*)?$")
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
TERMINAL = (ast.Return, ast.Raise, ast.Continue, ast.Break)


class CannotMutate(Exception):
    """The site cannot be edited without touching more than the defect."""


# ---------------------------------------------------------------- the text


class Lines:
    """A file as rows [original line number or None, text, tag], edited in place.

    Rows keep their original number, so that the mutant's line of any
    original line (linemap) and of any inserted row (by its tag) is known
    after all edits, whatever their order."""

    def __init__(self, src):
        self.nl = "\r\n" if "\r\n" in src else "\n"
        self.rows = [[i + 1, t, None] for i, t in enumerate(src.split(self.nl))]

    def _at(self, orig):
        for i, row in enumerate(self.rows):
            if row[0] == orig:
                return i
        raise CannotMutate("line %d is gone" % orig)

    def delete(self, orig):
        del self.rows[self._at(orig)]

    def replace_line(self, orig, text):
        self.rows[self._at(orig)][1] = text

    def insert(self, orig, texts, tag, after=True):
        """Inserts texts after (or before) the original line orig."""
        i = self._at(orig) + (1 if after else 0)
        self.rows[i:i] = [[None, t, tag] for t in texts]

    def dedent(self, first, last, k, keep):
        """Removes k columns of indentation from original lines first..last,
        except the lines in keep (inside multi-line strings)."""
        for row in self.rows:
            if row[0] is None or not first <= row[0] <= last or row[0] in keep:
                continue
            t = row[1]
            if not t.strip():
                continue
            lead = len(t) - len(t.lstrip(" "))
            if t.lstrip(" ").startswith("#"):
                row[1] = t[min(k, lead):]
            elif lead < k:
                raise CannotMutate("line %d is indented less than its block" % row[0])
            else:
                row[1] = t[k:]

    def cut(self, orig, start, end):
        """Deletes the characters start..end (code points) of one line."""
        row = self.rows[self._at(orig)]
        row[1] = row[1][:start] + row[1][end:]

    def text(self):
        return self.nl.join(r[1] for r in self.rows)

    def linemap(self):
        return {r[0]: i + 1 for i, r in enumerate(self.rows) if r[0] is not None}

    def tagged(self, tag):
        return [i + 1 for i, r in enumerate(self.rows) if r[2] == tag]


def string_interior(src):
    """Lines that begin inside a multi-line string: never re-indented."""
    keep = set()
    fstart = getattr(tokenize, "FSTRING_START", None)
    fend = getattr(tokenize, "FSTRING_END", None)
    opened = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                keep.update(range(tok.start[0] + 1, tok.end[0] + 1))
            elif fstart is not None and tok.type == fstart:
                opened.append(tok.start[0])
            elif fend is not None and tok.type == fend and opened:
                keep.update(range(opened.pop() + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return None
    return keep


def indent_of(text):
    return text[:len(text) - len(text.lstrip(" "))]


def char_col(line, byte_col):
    """The code-point column of an ast byte offset on line."""
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


# ----------------------------------------------------------------- the AST


def last_name(expr):
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


def dotted(expr):
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


def own_walk(node):
    """Every node below node, not entering nested functions, classes, lambdas."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, SCOPES):
            stack.extend(ast.iter_child_nodes(n))


def own(func):
    """own_walk of a function, computed once and kept on the node."""
    nodes = getattr(func, "_own", None)
    if nodes is None:
        nodes = func._own = list(own_walk(func))
    return nodes


def is_generator(func):
    g = getattr(func, "_gen", None)
    if g is None:
        g = func._gen = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own(func))
    return g


def blocks(node):
    """Every statement list of a function (or module), outside nested scopes."""
    for field in ("body", "orelse", "finalbody"):
        stmts = getattr(node, field, None)
        if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
            yield stmts
            for s in stmts:
                if not isinstance(s, SCOPES):
                    yield from blocks(s)
    for h in getattr(node, "handlers", []) or []:
        yield h.body
        for s in h.body:
            if not isinstance(s, SCOPES):
                yield from blocks(s)
    for c in getattr(node, "cases", []) or []:
        yield c.body
        for s in c.body:
            if not isinstance(s, SCOPES):
                yield from blocks(s)


def has_yield(nodes):
    return any(isinstance(n, (ast.Yield, ast.YieldFrom))
               for top in nodes if not isinstance(top, SCOPES)
               for n in [top, *own_walk(top)])


def yield_lines(stmts):
    return sorted({n.lineno for top in stmts if not isinstance(top, SCOPES)
                   for n in [top, *own_walk(top)] if isinstance(n, ast.Yield)})


def mentions(node, name):
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def call_of(stmt):
    """The call of an expression statement `f(...)` or `await f(...)`."""
    if not isinstance(stmt, ast.Expr):
        return None
    v = stmt.value
    if isinstance(v, ast.Await):
        v = v.value
    return v if isinstance(v, ast.Call) else None


def unawait(expr):
    return expr.value if isinstance(expr, ast.Await) else expr


def functions(tree):
    """(function, enclosing top-level statement) for every def of a module."""
    for top in tree.body:
        for n in ast.walk(top):
            if isinstance(n, FUNCS):
                yield n, top


def is_cm_def(func):
    return bool(decorator_names(func) & {"contextmanager", "asynccontextmanager"}) or is_generator(func)


def local_names(func):
    """Parameters and names a function assigns (kept on the node)."""
    names = getattr(func, "_locals", None)
    if names is None:
        a = func.args
        names = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
        names |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
        names |= {n.id for n in own(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        func._locals = names
    return names


def decorator_names(func):
    out = set()
    for d in func.decorator_list:
        d = d.func if isinstance(d, ast.Call) else d
        out.add(last_name(d))
    return out


class Module:
    """One parsed file of a project."""

    def __init__(self, rel, src, tree):
        self.rel = rel
        self.src = src
        self.tree = tree
        self.lines = src.split("\r\n" if "\r\n" in src else "\n")
        self._keep = False
        self.imports = {}         # local name -> qualified name, every import
        self.top_names = {}       # module-level name -> first line binding it
        for n in ast.walk(tree):
            if isinstance(n, ast.Import):
                for a in n.names:
                    if a.asname:
                        self.imports[a.asname] = a.name
                    else:
                        self.imports[a.name.split(".")[0]] = a.name.split(".")[0]
            elif isinstance(n, ast.ImportFrom):
                base = "." * n.level + (n.module or "")
                for a in n.names:
                    self.imports[a.asname or a.name] = base + "." + a.name
        self.defs = {}            # module-level def name -> node
        for s in tree.body:
            for name in bound_names(s):
                self.top_names.setdefault(name, s.lineno)
            if isinstance(s, FUNCS):
                self.defs[s.name] = s
        dotted_path = rel[:-3].replace("/", ".")
        if dotted_path.endswith(".__init__"):
            dotted_path = dotted_path[:-9]
        self.dotted = dotted_path

    @property
    def keep(self):
        if self._keep is False:
            self._keep = string_interior(self.src)
        return self._keep

    def qualify(self, expr):
        d = dotted(expr)
        if d is None:
            return None
        head, _, rest = d.partition(".")
        if head in self.imports:
            return self.imports[head] + ("." + rest if rest else "")
        return d

    def segment(self, node):
        return ast.get_source_segment(self.src, node)


def bound_names(stmt):
    """Names a module-level statement binds (also under if and try)."""
    out = []
    for n in [stmt, *own_walk(stmt)] if not isinstance(stmt, SCOPES) else [stmt]:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            out += [a.asname or a.name.split(".")[0] for a in n.names]
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.append(n.id)
    return out


# ----------------------------------------------------------- the project


class Project:
    """The names of one repository that make, hold or lend sessions."""

    def __init__(self, modules):
        self.modules = modules
        self.cm_names = set()          # generators and @contextmanager defs
        self.factory_names = set()     # names bound to a sessionmaker
        self.factory_funcs = set()     # defs returning a sessionmaker
        self.session_funcs = set()     # defs returning a new session
        self.engine_names = set()
        self.depends = set()           # names given to Depends(...)
        self.request_funcs = set()     # (rel, lineno) of endpoints, dependencies, middlewares
        self.imports_top = set()       # top-level modules imported anywhere
        defs = []
        self.by_module = {}            # every dotted suffix of a module's path -> module
        for m in modules:
            parts = m.dotted.split(".")
            for i in range(len(parts)):
                self.by_module.setdefault(".".join(parts[i:]), m)
            for q in m.imports.values():
                self.imports_top.add(q.lstrip(".").split(".")[0])
            for n in ast.walk(m.tree):
                self._note(n)
                if isinstance(n, FUNCS):
                    defs.append((m, n))
        for m, f in defs:
            if self._is_request(f):
                self.request_funcs.add((m.rel, f.lineno))
        returning = []
        for m, f in defs:
            rets = [unawait(n.value) for n in own(f) if isinstance(n, ast.Return) and n.value is not None]
            if rets and f.name not in self.cm_names:
                returning.append((m, f, rets))
        for _ in range(3):              # returns through a few layers
            for m, f, rets in returning:
                self._note_returns(m, f, rets)
        self.asyncpg = "asyncpg" in self.imports_top
        self.psycopg_pool = "psycopg_pool" in self.imports_top

    def _note(self, n):
        if isinstance(n, FUNCS):
            if is_cm_def(n):
                self.cm_names.add(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            value = n.value
            kind = None
            if isinstance(value, ast.Call):
                callee = last_name(value.func)
                if callee in ("sessionmaker", "async_sessionmaker"):
                    kind = "factory"
                elif callee in ("create_engine", "create_async_engine", "engine_from_config"):
                    kind = "engine"
            if isinstance(n, ast.AnnAssign):
                ann = ast.unparse(n.annotation)
                if "sessionmaker" in ann:
                    kind = "factory"
                elif re.search(r"\b(Async)?Engine\b", ann):
                    kind = "engine"
            for t in targets:
                name = last_name(t)
                if name and kind == "factory":
                    self.factory_names.add(name)
                elif name and kind == "engine":
                    self.engine_names.add(name)
        elif isinstance(n, ast.Call) and last_name(n.func) == "Depends" and n.args:
            name = last_name(n.args[0])
            if name:
                self.depends.add(name)

    def _is_request(self, f):
        for d in f.decorator_list:
            callee = d.func if isinstance(d, ast.Call) else d
            if isinstance(callee, ast.Attribute) and callee.attr in ROUTE_METHODS | {"middleware"}:
                return True
        return f.name in self.depends

    def is_cm(self, m, func, callee):
        """Whether callee, called in func of m, is a generator or context
        manager: a local binding never is; a def of this module or one
        imported from the project decides; else (methods too) any def of
        that name."""
        name = callee.id if isinstance(callee, ast.Name) else last_name(callee)
        if not isinstance(callee, ast.Name):
            return name in self.cm_names
        if func is not None and name in local_names(func):
            return False
        d = m.defs.get(name)
        if d is None:
            q = m.imports.get(name, "")
            mod, _, attr = q.rpartition(".")
            target = self.by_module.get(mod)
            d = target.defs.get(attr) if target is not None else None
        if d is not None:
            return d.name in self.cm_names and is_cm_def(d)
        return name in self.cm_names

    def _note_returns(self, m, f, rets):
        for v in rets:
            if isinstance(v, ast.Call):
                if last_name(v.func) in ("sessionmaker", "async_sessionmaker"):
                    self.factory_funcs.add(f.name)
                acq = self.acquisition(m, v, f)
                if acq and acq[0] == "session":
                    self.session_funcs.add(f.name)
            elif last_name(v) in self.factory_names:
                self.factory_funcs.add(f.name)

    def acquisition(self, m, call, scope):
        """(kind, how) when call makes a new resource, else None.

        kinds: session, connection (SQLAlchemy), psycopg2 / psycopg /
        asyncpg (a driver's connect()), getconn (a psycopg pool's),
        acquire (an asyncpg pool's)."""
        func = call.func
        if isinstance(func, ast.Call):
            inner = last_name(func.func)
            if inner in ("sessionmaker", "async_sessionmaker") or inner in self.factory_funcs:
                return ("session", "factory-call")
            return None
        name = last_name(func)
        if name is None:
            return None
        q = m.qualify(func) or name
        if q.split(".")[0] in NOT_DB:
            return None
        if name in ("Session", "AsyncSession"):
            if q.startswith(SA_MODULES):
                return ("session", "sqlalchemy-class")
            if name in self.factory_names:
                return ("session", "factory-name")
            return None
        if name in self.factory_names:
            return ("session", "factory-name")
        if name in FACTORY_MAKERS and (q.startswith(SA_MODULES) or scope is None
                                       or name not in local_names(scope)):
            return None     # makes a factory, not a session
        if MAKER_NAME.match(name) and name not in self.session_funcs:
            return None     # get_session_factory(): a factory again
        if self.is_cm(m, scope, call.func):
            return None
        if name in self.session_funcs:
            return ("session", "function-returning-session")
        if FACTORY_NAME.search(name) or name == "sessionmaker":
            return ("session", "factory-like-name")
        if not isinstance(func, ast.Attribute):
            return None
        recv = func.value
        rname = last_name(recv) or ""
        rq = m.qualify(recv) or ""
        if name == "connect":
            if rq.split(".")[0] in ("psycopg2", "psycopg", "asyncpg"):
                return (rq.split(".")[0], rq.split(".")[0] + ".connect")
            if ENGINE_NAME.search(rname) or rname in self.engine_names:
                return ("connection", "engine.connect")
        if name == "raw_connection":
            return ("connection", "raw_connection")
        if name == "getconn":
            return ("getconn", "pool.getconn")
        if name == "acquire" and POOL_NAME.search(rname) and self.asyncpg:
            return ("acquire", "pool.acquire")
        return None

    def with_resource(self, m, item, func):
        """(kind, how) of `with <call> as x` when the with releases a resource
        that the call made and x is that resource (not a context manager
        yielding it), else None.  Adds pooled kinds: pool.connection()
        (psycopg_pool, released with putconn)."""
        ctx = item.context_expr
        if not isinstance(ctx, ast.Call) or not isinstance(item.optional_vars, ast.Name):
            return None
        acq = self.acquisition(m, ctx, func)
        if acq is None:
            if (isinstance(ctx.func, ast.Attribute) and ctx.func.attr == "connection"
                    and POOL_NAME.search(last_name(ctx.func.value) or "") and self.psycopg_pool):
                return ("pool-connection", "psycopg_pool.connection")
            return None
        if acq[0] in ("psycopg2", "asyncpg", "getconn") or acq[1] == "raw_connection":
            return None     # psycopg2's with commits without closing; the others have no with
        return acq


# ------------------------------------------------------------- the sites


class Site:
    """One place an operator can mutate; build() makes the mutant."""

    def __init__(self, op, mod, line, expect, how, variant, build, group="", watch=None, origin=""):
        self.op = op
        self.group = group       # a sub-population reported on its own row
        self.mod = mod
        self.line = line         # the original line of the mutated statement
        self.expect = expect     # the code expected, or None (no finding)
        self.watch = expect or watch  # the code run and looked for
        self.origin = origin     # where the resource comes from (origin_of)
        self.how = how           # how the resource was recognized
        self.variant = variant
        self._build = build

    def build(self):
        """(text, anchors, linemap) of the mutant; raises CannotMutate."""
        keep = self.mod.keep
        if keep is None:
            raise CannotMutate("the file does not tokenize")
        ed = Lines(self.mod.src)
        anchors = self._build(ed, self)
        lm = ed.linemap()
        out = set()
        for a in anchors:
            if isinstance(a, str):
                out.update(ed.tagged(a))
            elif a in lm:
                out.add(lm[a])
        return ed.text(), sorted(out), lm


def acquisitions(proj, m, func):
    """{name: [(line, kind, how)]}: names a function assigns a new resource."""
    out = {}
    for n in own(func):
        if isinstance(n, ast.Assign) and len(n.targets) == 1:
            target, value = n.targets[0], n.value
        elif isinstance(n, ast.AnnAssign) and n.value is not None:
            target, value = n.target, n.value
        else:
            continue
        value = unawait(value)
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Call):
            continue
        acq = proj.acquisition(m, value, func)
        if acq:
            out.setdefault(target.id, []).append((n.lineno, acq[0], acq[1], value))
    return out


def released(call, acqs):
    """(name, kind, how) when call releases a resource of acqs."""
    if not isinstance(call.func, ast.Attribute):
        return None
    meth, recv = call.func.attr, call.func.value
    if meth in ("close", "aclose") and isinstance(recv, ast.Name) and recv.id in acqs:
        for _, kind, how, _ in acqs[recv.id]:
            if kind not in ("getconn", "acquire"):
                return (recv.id, kind, how)
    if meth in ("putconn", "release") and call.args and isinstance(call.args[0], ast.Name):
        name = call.args[0].id
        want = "getconn" if meth == "putconn" else "acquire"
        for _, kind, how, _ in acqs.get(name, []):
            if kind == want:
                return (name, kind, how)
    return None


def used_as_db(func, name):
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr in DB_METHODS and isinstance(n.func.value, ast.Name)
               and n.func.value.id == name for n in own(func))


def finally_line(m, node):
    """The line of the `finally:` keyword of a try statement."""
    first = node.finalbody[0].lineno
    for no in range(first - 1, node.lineno, -1):
        text = m.lines[no - 1]
        if FINALLY_LINE.match(text) and len(indent_of(text)) == node.col_offset:
            return no
        if text.strip() and not text.strip().startswith("#"):
            break
    return None


def try_release(proj, m, func, node, acqs):
    """(name, kind, how, acquisition line, acquisition) of a release in a
    try's finally."""
    for stmt in node.finalbody:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call):
                r = released(n, acqs)
                if r is None:
                    continue
                found = [(ln, v) for ln, _, _, v in acqs[r[0]] if ln < node.finalbody[0].lineno]
                if found:
                    return r + max(found, key=lambda f: f[0])
    return None


def closes_in_finally(stmts, name):
    """Whether a try/finally among stmts closes name: the with around it
    is then not the only release, and taking it away is no defect."""
    for top in stmts:
        for n in [top, *own_walk(top)] if not isinstance(top, SCOPES) else []:
            if isinstance(n, ast.Try) and any(
                    isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                    and c.func.attr in ("close", "aclose") and isinstance(c.func.value, ast.Name)
                    and c.func.value.id == name for f in n.finalbody for c in ast.walk(f)):
                return True
    return False


def origin_of(m, func, expr, at):
    """Where the resource of expr comes from, in words, for reading
    survivors: the binding of the first name of expr (a parameter and its
    annotation, a local assignment, a with, an import, a module-level
    statement); `in finally` when the site at sits in a finally block."""
    expr = unawait(expr)
    if isinstance(expr, ast.Call) and last_name(expr.func) in ("Session", "AsyncSession"):
        bind = next((k.value for k in expr.keywords if k.arg == "bind"), expr.args[0] if expr.args else None)
        if bind is not None:
            return "%s(bind) with bind from %s" % (last_name(expr.func), origin_of(m, func, bind, at))
    head = expr
    while isinstance(head, (ast.Attribute, ast.Call, ast.Await, ast.Subscript)):
        head = head.func if isinstance(head, ast.Call) else head.value
    if not isinstance(head, ast.Name):
        return "expression"
    name = head.id
    where = " (in finally)" if any(isinstance(n, ast.Try) and any(
        f.lineno <= at.lineno <= f.end_lineno for f in n.finalbody) for n in own(func)) else ""
    a = func.args
    for p in a.posonlyargs + a.args + a.kwonlyargs:
        if p.arg == name:
            fixture = any("fixture" in (dotted(d.func if isinstance(d, ast.Call) else d) or "")
                          for d in func.decorator_list)
            ann = ": " + ast.unparse(p.annotation) if p.annotation is not None else " (no annotation)"
            return "param %s%s%s%s" % (name, ann, " of a fixture" if fixture else "", where)
    for n in own(func):
        if isinstance(n, (ast.Import, ast.ImportFrom)) and name in bound_names(n):
            return "import in the function" + where
        if isinstance(n, (ast.With, ast.AsyncWith)):
            for it in n.items:
                if isinstance(it.optional_vars, ast.Name) and it.optional_vars.id == name:
                    return "with %s%s" % (ast.unparse(it.context_expr)[:60], where)
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
        if getattr(n, "value", None) is not None and any(
                isinstance(t, ast.Name) and t.id == name for tg in targets for t in ast.walk(tg)):
            unpacked = " (unpacked)" if not any(isinstance(tg, ast.Name) for tg in targets) else ""
            return "local%s = %s%s" % (unpacked, ast.unparse(n.value)[:60], where)
    if name in m.imports:
        return "import %s%s" % (m.imports[name], where)
    for s in m.tree.body:
        if name in bound_names(s):
            return "module: %s%s" % (ast.unparse(s).split("\n")[0][:60], where)
    return "free name" + where


def strong(how):
    return how not in ("factory-like-name", "function-returning-session")


def drop_finally(ed, m, node, whole):
    """Edits a try/finally: whole (no handlers) removes `try:` and `finally:`
    and dedents both bodies; otherwise only the finally goes."""
    fin = finally_line(m, node)
    if fin is None:
        raise CannotMutate("no finally keyword on a line of its own")
    k = node.finalbody[0].col_offset - node.col_offset
    if whole:
        if not TRY_LINE.match(m.lines[node.lineno - 1]) or node.body[0].lineno == node.lineno:
            raise CannotMutate("try: is not on a line of its own")
        ed.dedent(node.lineno + 1, fin - 1, k, m.keep)
        ed.delete(node.lineno)
    ed.dedent(fin + 1, node.end_lineno, k, m.keep)
    ed.delete(fin)


def with_header_end(m, node):
    """The last line of a one-item with statement's header, or None."""
    item = node.items[0]
    end = item.optional_vars.end_lineno
    rest = m.lines[end - 1].encode("utf-8")[item.optional_vars.end_col_offset:].decode("utf-8", "replace")
    if not COLON_REST.match(rest) or node.body[0].lineno <= end:
        return None
    return end


def unwith(ed, m, node, acquire_text, release_text):
    """Turns `with X as x: body` into `acquire_text; body; release_text`.
    The release goes after the body, or before its last statement when that
    leaves the block (return, raise) without naming x.  Returns the variant."""
    end = with_header_end(m, node)
    if end is None:
        raise CannotMutate("with header not in the plain form")
    ind = indent_of(m.lines[node.lineno - 1])
    if len(ind) != node.col_offset:
        raise CannotMutate("with is not the first statement of its line")
    k = node.body[0].col_offset - node.col_offset
    ed.dedent(end + 1, node.end_lineno, k, m.keep)
    first = acquire_text.split("\n")
    ed.replace_line(node.lineno, ind + first[0])
    for no in range(end, node.lineno, -1):
        ed.delete(no)
    if len(first) > 1:
        ed.insert(node.lineno, first[1:], "acq-rest")
    name = node.items[0].optional_vars.id
    tail = node.body[-1]
    if isinstance(tail, TERMINAL) and not mentions(tail, name):
        ed.insert(tail.lineno, [ind + release_text], "release", after=False)
        return "release-before-" + type(tail).__name__.lower()
    ed.insert(node.end_lineno, [ind + release_text], "release")
    return "release-after-" + type(tail).__name__.lower() if isinstance(tail, TERMINAL) else "release-at-end"


def with_texts(m, node, kind):
    """(acquire, release) statements that replace a with over kind."""
    item = node.items[0]
    x = item.optional_vars.id
    ctx = m.segment(item.context_expr)
    is_async = isinstance(node, ast.AsyncWith)
    aw = "await " if is_async else ""
    if kind == "pool-connection":
        pool = m.segment(item.context_expr.func.value)
        return "%s = %s%s.getconn()" % (x, aw, pool), "%s%s.putconn(%s)" % (aw, pool, x)
    if kind == "acquire":
        pool = m.segment(item.context_expr.func.value)
        return "%s = await %s" % (x, ctx), "await %s.release(%s)" % (pool, x)
    if kind == "session":
        return "%s = %s" % (x, ctx), "%s%s.close()" % (aw, x)
    return "%s = %s%s" % (x, aw, ctx), "%s%s.close()" % (aw, x)


def fn_sites_drop_finally(proj, m, func, top):
    acqs = acquisitions(proj, m, func)
    if not acqs:
        return
    for node in own(func):
        if not isinstance(node, ast.Try) or not node.finalbody or has_yield(node.body):
            continue
        r = try_release(proj, m, func, node, acqs)
        if r is None:
            continue
        name, kind, how, acq_line, acq_value = r
        if not strong(how) and not used_as_db(func, name):
            continue
        if node.handlers or node.orelse:
            if node.orelse or not all(isinstance(h.body[-1], ast.Raise) for h in node.handlers):
                continue    # an except that swallows still reaches the release
            whole, variant = False, "handlers-reraise"
        else:
            whole, variant = True, "try-finally"

        def build(ed, site, node=node, whole=whole, acq_line=acq_line):
            drop_finally(ed, m, node, whole)
            return [acq_line, node.body[0].lineno]
        yield Site("drop-finally", m, node.lineno, "SL103", how, variant, build,
                   origin=origin_of(m, func, acq_value, node))


def fn_sites_with_to_close(proj, m, func, top):
    for node in own(func):
        if not isinstance(node, (ast.With, ast.AsyncWith)) or len(node.items) != 1:
            continue
        if has_yield(node.body):
            continue        # unguard-yield's
        acq = proj.with_resource(m, node.items[0], func)
        if acq is None:
            continue
        kind, how = acq
        name = node.items[0].optional_vars.id
        if not strong(how) and not used_as_db(func, name) or closes_in_finally(node.body, name):
            continue
        tail = node.body[-1]
        if isinstance(tail, ast.Return) and tail.value is not None and mentions(tail.value, name):
            continue        # what it returns may hold the resource: no defect for sure

        def build(ed, site, node=node, kind=kind):
            a, r = with_texts(m, node, kind)
            site.variant = unwith(ed, m, node, a, r)
            return [node.lineno]
        yield Site("with-to-close", m, node.lineno, "SL103", how, "", build,
                   origin=origin_of(m, func, node.items[0].context_expr, node))


def bound_to_outer_with(func, node):
    """True when node's with item is a session bound to the connection of a
    `with` around it in func (`with engine.connect() as c: with Session(bind=c)
    as s: yield s`): that outer block returns the connection whatever the
    consumer does, and a session bound to a connection holds nothing of its
    own, so losing the inner with leaks nothing."""
    call = unawait(node.items[0].context_expr)
    if not isinstance(call, ast.Call):
        return False
    binds = [k.value for k in call.keywords if k.arg == "bind"] + call.args[:1]
    names = {b.id for b in binds if isinstance(b, ast.Name)}
    for outer in ast.walk(func):
        if outer is node or not isinstance(outer, (ast.With, ast.AsyncWith)):
            continue
        inside = any(n is node for st in outer.body for n in ast.walk(st))
        held = {i.optional_vars.id for i in outer.items
                if isinstance(i.optional_vars, ast.Name)}
        if inside and names & held:
            return True
    return False


def fn_sites_unguard_yield(proj, m, func, top):
    """pytest resumes a yield fixture with next() whatever the test did, so
    the release after its yield always runs: fixtures form the pytest-fixture
    row, which expects nothing."""
    if not is_generator(func):
        return
    fixture = any("fixture" in (dotted(d.func if isinstance(d, ast.Call) else d) or "")
                  for d in func.decorator_list)
    expect, group = (None, "pytest-fixture") if fixture else ("SL104", "")
    acqs = acquisitions(proj, m, func)
    for node in own(func):
        if isinstance(node, ast.Try) and node.finalbody and acqs:
            ys = yield_lines(node.body)
            r = try_release(proj, m, func, node, acqs) if ys else None
            if r is None or not strong(r[2]) and not used_as_db(func, r[0]):
                continue
            whole = not node.handlers and not node.orelse

            def build(ed, site, node=node, whole=whole, ys=ys):
                drop_finally(ed, m, node, whole)
                return ys
            yield Site("unguard-yield", m, node.lineno, expect, r[2],
                       "try-finally" if whole else "try-except-finally", build, group, "SL104",
                       origin_of(m, func, r[4], node))
        elif isinstance(node, (ast.With, ast.AsyncWith)) and len(node.items) == 1:
            yields = yield_lines(node.body)
            acq = proj.with_resource(m, node.items[0], func) if yields else None
            name = node.items[0].optional_vars.id if acq else None
            if acq is None or not strong(acq[1]) and not used_as_db(func, name) \
                    or closes_in_finally(node.body, name):
                continue

            def build(ed, site, node=node, kind=acq[0], ys=yields):
                a, r = with_texts(m, node, kind)
                unwith(ed, m, node, a, r)
                return ys
            e, g = (None, "bound-session") if expect and bound_to_outer_with(func, node) \
                else (expect, group)
            yield Site("unguard-yield", m, node.lineno, e, acq[1], "with", build, g, "SL104",
                       origin_of(m, func, node.items[0].context_expr, node))


def whole_lines(m, stmt):
    """True when stmt is alone on its lines (no `;`, nothing after it)."""
    first = m.lines[stmt.lineno - 1]
    if len(indent_of(first)) != stmt.col_offset:
        return False
    lastl = m.lines[stmt.end_lineno - 1].encode("utf-8")[stmt.end_col_offset:].decode("utf-8", "replace")
    return not lastl.strip() or lastl.strip().startswith("#")


def fn_sites_double_putconn(proj, m, func, top):
    for node in own(func):
        call = call_of(node) if isinstance(node, ast.Expr) else None
        if call is not None and isinstance(call.func, ast.Attribute) and call.args:
            meth = call.func.attr
            recv = last_name(call.func.value) or ""
            if meth == "putconn":
                group = ""
            elif meth == "release" and proj.asyncpg and POOL_NAME.search(recv) \
                    and isinstance(node.value, ast.Await) and len(call.args) == 1:
                group = "asyncpg"
            else:
                continue
            if not whole_lines(m, node):
                continue

            def build(ed, site, node=node):
                copy = m.lines[node.lineno - 1:node.end_lineno]
                ed.insert(node.end_lineno, copy, "second")
                return ["second"]
            yield Site("double-putconn", m, node.lineno, None if group else "SL101",
                       meth, "after-" + meth, build, group, "SL101",
                       origin_of(m, func, call.func.value, node))
        elif isinstance(node, (ast.With, ast.AsyncWith)) and len(node.items) == 1:
            acq = proj.with_resource(m, node.items[0], func)
            if acq is None or acq[0] not in ("pool-connection", "acquire"):
                continue
            tail = node.body[-1]
            name = node.items[0].optional_vars.id
            if isinstance(tail, TERMINAL) and mentions(tail, name):
                continue
            group = "asyncpg" if acq[0] == "acquire" else ""

            def build(ed, site, node=node, kind=acq[0], tail=tail):
                _, release = with_texts(m, node, kind)
                ind = indent_of(m.lines[tail.lineno - 1])
                if len(ind) != tail.col_offset:
                    raise CannotMutate("last statement shares its line")
                if isinstance(tail, TERMINAL):
                    ed.insert(tail.lineno, [ind + release], "second", after=False)
                else:
                    ed.insert(tail.end_lineno, [ind + release], "second")
                return ["second", node.lineno]
            yield Site("double-putconn", m, node.lineno, None if group else "SL101",
                       acq[1], "inside-with", build, group, "SL101",
                       origin_of(m, func, node.items[0].context_expr, node))


def module_imports_text(m):
    """(names bound to sqlalchemy's text at module level, alias of sqlalchemy)."""
    texts, sa = set(), None
    for s in m.tree.body:
        if isinstance(s, ast.ImportFrom) and (s.module or "").startswith(SA_MODULES):
            texts.update(a.asname or a.name for a in s.names if a.name == "text")
        elif isinstance(s, ast.Import):
            for a in s.names:
                if a.name == "sqlalchemy":
                    sa = a.asname or a.name
    return texts, sa


def import_anchor(m):
    """The line before which imports are added: the first plain import."""
    for s in m.tree.body:
        if isinstance(s, (ast.Import, ast.ImportFrom)) and getattr(s, "module", None) != "__future__":
            if s.col_offset == 0:
                return s.lineno
            return None
    return None


def async_handles(proj, m, func):
    """{name: (kind, how, first line, last line)}: sessions and connections an
    async function has: parameters with a database annotation or a Depends
    default, names bound by async with or by an acquisition, each used with
    `await name.<db method>(...)`."""
    awaited = {}
    for n in own(func):
        if isinstance(n, ast.Await) and isinstance(n.value, ast.Call):
            f = n.value.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                awaited.setdefault(f.value.id, set()).add(f.attr)
    out = {}
    args = func.args
    params = args.posonlyargs + args.args + args.kwonlyargs
    defaults = [None] * (len(args.posonlyargs + args.args) - len(args.defaults)) + list(args.defaults) \
        + list(args.kw_defaults)
    for p, d in zip(params, defaults):
        ann = ast.unparse(p.annotation) if p.annotation is not None else ""
        dep = isinstance(d, ast.Call) and last_name(d.func) == "Depends"
        if re.search(r"Async(Session|Connection)|asyncpg|\bConnection\b|\bSession\b", ann) or dep \
                or "Depends(" in ann:
            kind = "psycopg" if from_psycopg(m, p.annotation) else "param"
            out[p.arg] = (kind, "annotation" if ann else "depends", func.lineno, func.end_lineno)
    for n in own(func):
        if isinstance(n, ast.AsyncWith) and len(n.items) == 1 \
                and isinstance(n.items[0].optional_vars, ast.Name):
            acq = proj.with_resource(m, n.items[0], func)
            kind, how = acq if acq else ("with", "async-with")
            if from_psycopg(m, n.items[0].context_expr):
                kind = "psycopg"
            out[n.items[0].optional_vars.id] = (kind, how, n.body[0].lineno, n.end_lineno)
    for name, lst in acquisitions(proj, m, func).items():
        ln, kind, how, _ = lst[0]
        out.setdefault(name, (kind, how, ln, func.end_lineno))
    return {k: v for k, v in out.items() if awaited.get(k, set()) & DB_METHODS
            and not awaited[k] & DATABASES_API and HANDLE_NAME.search(k)
            and v[0] != "getconn"}, awaited


def sqlalchemy_annotation(m, func, name):
    """Whether parameter name of func is annotated with a SQLAlchemy type."""
    for p in func.args.posonlyargs + func.args.args + func.args.kwonlyargs:
        if p.arg == name and p.annotation is not None:
            return any((m.qualify(n) or "").startswith(SA_MODULES)
                       for n in ast.walk(p.annotation) if isinstance(n, (ast.Name, ast.Attribute)))
    return False


def from_psycopg(m, expr):
    """Whether an annotation or expression names something of psycopg 3."""
    return expr is not None and any(
        (m.qualify(n) or "").startswith(("psycopg.", "psycopg_pool."))
        for n in ast.walk(expr) if isinstance(n, (ast.Name, ast.Attribute)))


def fn_sites_gather(proj, m, func, top):
    """psycopg 3 serializes the statements of one connection (its lock):
    two reads gathered on it are not a defect, so psycopg handles form the
    psycopg row, which expects nothing."""
    if not isinstance(func, ast.AsyncFunctionDef):
        return
    if any(q.split(".")[0] == "databases" for q in m.imports.values()):
        return          # encode/databases serializes a connection's queries
    handles, awaited = async_handles(proj, m, func)
    if "databases" in proj.imports_top:
        handles = {k: v for k, v in handles.items() if v[0] in ("session", "connection", "acquire", "asyncpg")
                   or v[1] == "annotation" and sqlalchemy_annotation(m, func, k)}
    if not handles:
        return
    local = {n.id for n in own(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    local |= {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
    if local & {"asyncio", "text", "sqlalchemy"}:
        return
    for name, (kind, how, first, last) in sorted(handles.items()):
        use = None
        for block in blocks(func):
            for s in block:
                if not first <= s.lineno <= last or isinstance(s, SCOPES):
                    continue
                if isinstance(s, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return)) \
                        and any(isinstance(n, ast.Await) and isinstance(n.value, ast.Call)
                                and isinstance(n.value.func, ast.Attribute)
                                and isinstance(n.value.func.value, ast.Name)
                                and n.value.func.value.id == name for n in ast.walk(s)):
                    if use is None or s.lineno < use.lineno:
                        use = s
        if use is None or not whole_lines(m, use):
            continue
        asyncpg_like = kind in ("acquire", "asyncpg") or awaited[name] & {"fetch", "fetchrow", "fetchval"}
        psycopg_like = kind in ("pool-connection", "psycopg")
        expect, group = (None, "psycopg") if psycopg_like else ("SL203", "")

        def build(ed, site, use=use, name=name, asyncpg_like=asyncpg_like, psycopg_like=psycopg_like):
            adds = []
            if m.top_names.get("asyncio") is None or m.imports.get("asyncio") != "asyncio":
                adds.append("import asyncio")
            if asyncpg_like:
                q = '%s.fetchval("select 1")' % name
            elif psycopg_like:
                q = '%s.execute("select 1")' % name
            else:
                texts, sa = module_imports_text(m)
                if texts:
                    t = sorted(texts)[0]
                elif sa:
                    t = sa + ".text"
                elif "text" not in m.top_names:
                    adds.append("from sqlalchemy import text")
                    t = "text"
                else:
                    adds.append("import sqlalchemy")
                    t = "sqlalchemy.text"
                q = '%s.execute(%s("select 1"))' % (name, t)
            ind = indent_of(m.lines[use.lineno - 1])
            stmt = ind + "await asyncio.gather(%s, %s)" % (q, q)
            if isinstance(use, ast.Return):
                ed.insert(use.lineno, [stmt], "gather", after=False)
            else:
                ed.insert(use.end_lineno, [stmt], "gather")
            if adds:
                at = import_anchor(m)
                if at is None:
                    raise CannotMutate("no top-level import to put the new ones beside")
                ed.insert(at, adds, "imports", after=False)
            return ["gather"]
        yield Site("gather-one-session", m, use.lineno, expect, how, kind, build, group, "SL203",
                   origin_of(m, func, ast.Name(name), use))


def is_text_call(m, node):
    if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
        return False
    q = m.qualify(node.func) or ""
    return last_name(node.func) == "text" and q.startswith(SA_MODULES)


def string_kind(func, arg):
    """How arg is a str: literal, f-string, concatenation, a name bound to one."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return "literal"
    if isinstance(arg, ast.JoinedStr):
        return "f-string"
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, (ast.Add, ast.Mod)) \
            and string_kind(func, arg.left) in ("literal", "f-string"):
        return "concatenation"
    if isinstance(arg, ast.Name):
        values = [n.value for n in own(func) if isinstance(n, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == arg.id for t in n.targets)]
        if values and all(string_kind(func, v) not in (None, "name") for v in values):
            return "name"
    return None


def fn_sites_unwrap_text(proj, m, func, top):
    if "databases" in proj.imports_top and any(q.startswith("databases") for q in m.imports.values()):
        return
    for node in own(func):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "scalar", "scalars") and node.args):
            continue
        recv = last_name(node.func.value)
        if recv in (None, "op") or not HANDLE_NAME.search(recv) and recv not in ("s", "c", "bind"):
            continue
        t = node.args[0]
        if not is_text_call(m, t):
            continue
        kind = string_kind(func, t.args[0])
        if kind is None:
            continue

        def build(ed, site, t=t, call=node):
            line1 = m.lines[t.lineno - 1]
            c0 = char_col(line1, t.col_offset)
            paren = line1.index("(", char_col(line1, t.func.end_col_offset))
            lineN = m.lines[t.end_lineno - 1]
            cN = char_col(lineN, t.end_col_offset) - 1
            if lineN[cN:cN + 1] != ")":
                raise CannotMutate("text() does not end with its parenthesis")
            ed.cut(t.end_lineno, cN, cN + 1)           # the later cut first
            ed.cut(t.lineno, c0, paren + 1)
            return [call.lineno, t.lineno]
        yield Site("unwrap-text", m, node.lineno, "SL301", recv, kind, build,
                   origin=origin_of(m, func, node.func.value, node))


def fn_sites_module_session(proj, m, func, top):
    if (m.rel, func.lineno) not in proj.request_funcs:
        return
    params = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
    declared = {n for s in own(func) if isinstance(s, (ast.Global, ast.Nonlocal)) for n in s.names}
    stores = {}
    for n in own(func):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            stores[n.id] = stores.get(n.id, 0) + 1
    at = min([top.lineno] + [d.lineno for d in getattr(top, "decorator_list", [])])
    for node in own(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value, variant = node.targets[0].id, node.value, "assignment"
        elif isinstance(node, (ast.With, ast.AsyncWith)) and len(node.items) == 1 \
                and isinstance(node.items[0].optional_vars, ast.Name):
            name, value, variant = node.items[0].optional_vars.id, node.items[0].context_expr, "with"
        else:
            continue
        if not isinstance(value, ast.Call) or stores.get(name) != 1 or name in params | declared:
            continue
        if name in m.top_names or name in m.imports:
            continue
        acq = proj.acquisition(m, value, func)
        if acq is None or acq[0] not in ("session", "connection"):
            continue
        if isinstance(node, ast.AsyncWith) and acq[0] != "session":
            continue        # an async connection needs an await at module level
        free = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        if any(m.top_names.get(n, at) >= at and not hasattr(builtins, n) for n in free):
            continue        # names the call uses are local or defined later
        if variant == "with" and has_yield(node.body):
            continue

        def build(ed, site, node=node, name=name, value=value, variant=variant):
            seg = m.segment(value)
            if variant == "with":
                end = with_header_end(m, node)
                if end is None or len(indent_of(m.lines[node.lineno - 1])) != node.col_offset:
                    raise CannotMutate("with header not in the plain form")
                k = node.body[0].col_offset - node.col_offset
                ed.dedent(end + 1, node.end_lineno, k, m.keep)
                for no in range(end, node.lineno - 1, -1):
                    ed.delete(no)
            else:
                if not whole_lines(m, node):
                    raise CannotMutate("the assignment shares its line")
                block = next(b for b in blocks(func) if node in b)
                for no in range(node.end_lineno, node.lineno, -1):
                    ed.delete(no)
                if len(block) == 1:
                    ed.replace_line(node.lineno, indent_of(m.lines[node.lineno - 1]) + "pass")
                else:
                    ed.delete(node.lineno)
            ed.insert(at, ("%s = %s" % (name, seg)).split("\n"), "module", after=False)
            return ["module"]
        yield Site("module-session", m, node.lineno, "SL201", acq[1], variant, build,
                   origin=origin_of(m, func, value, node))


OPERATORS = {
    "drop-finally": fn_sites_drop_finally,
    "with-to-close": fn_sites_with_to_close,
    "unguard-yield": fn_sites_unguard_yield,
    "double-putconn": fn_sites_double_putconn,
    "gather-one-session": fn_sites_gather,
    "unwrap-text": fn_sites_unwrap_text,
    "module-session": fn_sites_module_session,
}


def sites(proj, m, ops):
    """Every site of the operators ops in module m, in source order."""
    out = []
    for func, top in functions(m.tree):
        for op in ops:
            for s in OPERATORS[op](proj, m, func, top):
                out.append(s)
    out.sort(key=lambda s: (s.op, s.line))
    return out
