"""SL108 engine-per-call: an engine (a connection pool) made per request and
dropped without dispose().

The page's bad health check makes an engine on every call, runs SELECT 1 on
a connection of it and returns.  The connection goes back into that engine's
own pool, not to the server: it stays open, `idle` in pg_stat_activity (the
engine's connections carry application_name sl108-bad).  Reference counting
never frees such an engine: the pool keeps its idle connection in its queue
as a _ConnectionRecord that refers back to the pool, and the engine refers
to itself through its compiled cache (a bound method of the engine), so
pool and engine are reference cycles that only the cyclic garbage collector
frees (the proof finds both cycles).  With the collector disabled, N calls
leave N engines alive and N idle connections open; gc.collect() frees the
engines and the connections close.  With the collector in its default state
(no gc call) they pile up between collections; a collection frees those
already dropped, not the one in use while it runs, which moves to an older
generation, collected less often.  The proof records how many are open
after each of 40 calls, and which calls a collection ran in.  The fixed
health check shares one module-level engine: 1 idle connection, the one its
pool keeps, however many calls.
"""
# needs: sqlalchemy psycopg2 fastapi
import gc
import time
import types

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

import proof

DATABASE_URL = "postgresql+psycopg2://"  # libpq's PG* variables name the server
CALLS = 5
MORE_CALLS = 40

# The page's bad example (the application_name marks its connections).
app = FastAPI()


@app.get("/health")
def health():
    engine = create_engine(DATABASE_URL, connect_args={"application_name": "sl108-bad"})  # expect: SL108
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"database": "ok"}


# The page's fixed example.
engine = create_engine(DATABASE_URL,  # one pool for the process
                       connect_args={"application_name": "sl108-fixed"})
app_fixed = FastAPI()


@app_fixed.get("/health")
def health_fixed():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"database": "ok"}


def open_connections(name):
    """The states of the server's connections with application_name name."""
    return [s for (s,) in proof.query("SELECT state FROM pg_stat_activity "
                                      "WHERE datname = current_database() "
                                      "AND application_name = %s", (name,))]


def engines():
    """How many Engine objects exist in this process."""
    return sum(1 for o in gc.get_objects() if isinstance(o, Engine))


def cycle(obj, depth=6):
    """The types along a path of references from obj back to obj (not through
    classes or modules), or None: what keeps obj alive once nothing else
    refers to it, and only the cyclic garbage collector frees."""
    seen = {id(obj)}
    frontier = [(obj, [])]
    for _ in range(depth):
        nxt = []
        for o, path in frontier:
            for r in gc.get_referents(o):
                if r is obj:
                    return path + [type(o).__name__, type(obj).__name__]
                if isinstance(r, (type, types.ModuleType)) or id(r) in seen:
                    continue
                seen.add(id(r))
                nxt.append((r, path + [type(o).__name__]))
        frontier = nxt
    return None


def closed_within(name, seconds=5):
    """Waits until no connection named name is left (a backend whose client
    closed its socket exits a moment later); returns the states left."""
    deadline = time.time() + seconds
    while open_connections(name) and time.time() < deadline:
        time.sleep(0.05)
    return open_connections(name)


def body(p):
    p.check(gc.isenabled(), "the collector is not enabled at start")
    p.note("gc thresholds %r" % (gc.get_threshold(),))

    # fixed: one engine for the process
    for _ in range(CALLS):
        p.check(health_fixed() == {"database": "ok"}, "fixed: health check failed")
    fixed_states = open_connections("sl108-fixed")
    p.check(fixed_states == ["idle"], "fixed: %d calls leave %r" % (CALLS, fixed_states))
    for _ in range(MORE_CALLS):
        health_fixed()
    gc.collect()
    fixed_after = open_connections("sl108-fixed")
    p.check(fixed_after == ["idle"], "fixed: %d calls leave %r" % (CALLS + MORE_CALLS, fixed_after))
    p.fixed("one module-level engine: 1 idle connection (the one its pool keeps) after %d "
            "calls and after %d" % (CALLS, CALLS + MORE_CALLS))

    # bad, the collector disabled: only reference counting frees anything
    before = engines()
    gc.disable()
    try:
        for _ in range(CALLS):
            p.check(health() == {"database": "ok"}, "bad: health check failed")
        states = open_connections("sl108-bad")
        alive = engines() - before
        p.check(states == ["idle"] * CALLS,
                "bad, gc disabled: %d calls leave %r" % (CALLS, states))
        p.check(alive == CALLS, "bad, gc disabled: %d engines alive after %d calls" % (alive, CALLS))
        p.bad("gc disabled: %d calls leave %d engines alive and %d idle connections open"
              % (CALLS, alive, len(states)))
        dropped = next(o for o in gc.get_objects() if isinstance(o, Engine) and o is not engine)
        cycles = [cycle(dropped), cycle(dropped.pool)]
        del dropped
        p.check(all(cycles), "bad: a dropped engine or its pool is in no reference cycle: %r"
                % cycles)
        p.note("reference cycles keep a dropped engine and its pool: %s" % "; ".join(
            " -> ".join(c) for c in cycles))
        freed = gc.collect()
        left = closed_within("sl108-bad")
        p.check(left == [], "bad: gc.collect() left %r" % left)
        p.check(engines() == before, "bad: engines alive after gc.collect(): %d" % (
            engines() - before))
        p.note("gc.collect() frees %d unreachable objects, the %d engines among them, "
               "and all %d connections close" % (freed, CALLS, CALLS))
    finally:
        gc.enable()

    # bad, the collector in its default state: no gc call of ours
    seen = []  # (connections open after the call, collections that ran during it)
    ran = []

    def collection(phase, info):
        if phase == "stop":
            ran.append(info["generation"])
    gc.callbacks.append(collection)
    try:
        for _ in range(MORE_CALLS):
            del ran[:]
            health()
            seen.append((len(open_connections("sl108-bad")), list(ran)))
    finally:
        gc.callbacks.remove(collection)
    counts = [n for n, _ in seen]
    # a drop in the count needs a collection in that call (or in the one before:
    # a backend whose client closed its socket exits a moment later)
    drops = [i for i in range(1, len(seen)) if counts[i] < counts[i - 1]]
    p.check(max(counts) >= 3, "bad, gc enabled: at most %d open: %r" % (max(counts), counts))
    p.check(drops and all(seen[i][1] or seen[i - 1][1] for i in drops),
            "bad, gc enabled: connections closed with no collection: %r" % seen)
    p.bad("gc enabled: idle connections pile up to %d, closed only when a collection "
          "runs (%d open after %d calls)" % (max(counts), counts[-1], MORE_CALLS),
          "open after each call: %s; the calls with a collection (generation): %s" % (
              " ".join(map(str, counts)),
              ", ".join("%d (%s)" % (i + 1, ",".join(map(str, gens)))
                        for i, (_, gens) in enumerate(seen) if gens)))
    gc.collect()
    p.check(closed_within("sl108-bad") == [], "bad: gc.collect() left connections open")
    p.lint()


proof.run("SL108", body)
