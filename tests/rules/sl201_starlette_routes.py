# SL201 on a plain Starlette application: its routes (Route, WebSocketRoute,
# an HTTPEndpoint class, add_route, @app.websocket_route), a pure ASGI
# middleware's __call__ are request code, its lifespan and on_startup list
# start-up code, exactly as FastAPI's.  A connection that start-up keeps on
# app.state and a handler reads is shared by every request.
# Convention: the finding is on the `app.state.x = ...` line.
import os
from contextlib import asynccontextmanager

import asyncpg
import psycopg
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute

DSN = os.environ["DATABASE_URL"]


@asynccontextmanager
async def lifespan(app):
    app.state.feed = await asyncpg.connect(DSN)  # expect: SL201 "app.state.feed"
    app.state.legacy = psycopg.connect(DSN)  # expect: SL201 "app.state.legacy"
    app.state.reports = await asyncpg.connect(DSN)  # expect: SL201 "app.state.reports"
    app.state.ticks = await asyncpg.connect(DSN)  # expect: SL201 "app.state.ticks"
    app.state.tenants = await asyncpg.connect(DSN)  # expect: SL201 "app.state.tenants"
    app.state.pool = await asyncpg.create_pool(DSN, max_size=10)
    app.state.warmup = await asyncpg.connect(DSN)  # read only by start-up code: quiet
    await app.state.warmup.execute("SELECT 1")
    yield
    await app.state.pool.close()


async def open_audit():
    admin.state.audit = await asyncpg.connect(DSN)  # expect: SL201 "app.state.audit"


async def audit_log(request):
    await request.app.state.audit.execute("INSERT INTO audit (path) VALUES ($1)", request.url.path)
    return JSONResponse({"ok": True})


async def feed(websocket):
    await websocket.accept()
    rows = await websocket.app.state.feed.fetch("SELECT id FROM events ORDER BY id DESC LIMIT 10")
    await websocket.send_json([r["id"] for r in rows])


def legacy_export(request):
    with request.app.state.legacy.cursor() as cur:
        cur.execute("SELECT id FROM orders")
        return JSONResponse([r[0] for r in cur.fetchall()])


class Reports(HTTPEndpoint):
    async def get(self, request):
        rows = await request.app.state.reports.fetch("SELECT id FROM reports")
        return JSONResponse([r["id"] for r in rows])


class TenantGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            request = Request(scope)
            await request.app.state.tenants.fetchval("SELECT 1 FROM tenants WHERE host = $1",
                                                     request.url.hostname)
        await self.app(scope, receive, send)


async def pooled(request):
    async with request.app.state.pool.acquire() as conn:
        return JSONResponse({"n": await conn.fetchval("SELECT count(*) FROM items")})


async def own_connection(request):
    # a connection per request, closed on every path: quiet
    conn = await asyncpg.connect(DSN)
    try:
        return JSONResponse({"n": await conn.fetchval("SELECT count(*) FROM items")})
    finally:
        await conn.close()


async def not_routed(request):
    # no route names it: not request code
    return JSONResponse({"ok": await request.app.state.warmup.fetchval("SELECT 1")})


app = Starlette(
    routes=[
        WebSocketRoute("/feed", feed),
        Mount("/api", routes=[Route("/reports", Reports), Route("/pooled", pooled),
                              Route("/own", endpoint=own_connection)]),
    ],
    middleware=[Middleware(TenantGuard)],
    lifespan=lifespan,
)
app.add_route("/legacy", legacy_export)


@app.websocket_route("/ticks")
async def ticks(websocket):
    await websocket.accept()
    await websocket.send_json({"n": await websocket.app.state.ticks.fetchval("SELECT 1")})


admin = Starlette(routes=[Route("/audit", audit_log, methods=["POST"])], on_startup=[open_audit])
