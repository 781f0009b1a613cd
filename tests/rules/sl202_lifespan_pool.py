# args: --fastapi-version 0.115
# The pool lives in the lifespan state and the dependency takes a pooled
# connection from request.state.db_pool: on 0.115 the dependency gives the
# connection back to the pool when the endpoint returns, before background
# tasks run, so a task that gets it runs SQL on a connection another
# request may already hold.  The finding is on the hand-off.
from contextlib import asynccontextmanager

from fastapi import BackgroundTasks, Depends, FastAPI, Request
from psycopg_pool import AsyncConnectionPool


@asynccontextmanager
async def lifespan(app: FastAPI):
    pool = AsyncConnectionPool("postgresql://app@localhost/app", open=False)
    await pool.open()
    yield {"db_pool": pool}
    await pool.close()


app = FastAPI(lifespan=lifespan)


async def db_conn(request: Request):
    async with request.state.db_pool.connection() as conn:
        yield conn


async def audit(conn, what: str) -> None:
    await conn.execute("INSERT INTO audit (what) VALUES (%s)", (what,))


async def audit_own(request_pool: AsyncConnectionPool, what: str) -> None:
    async with request_pool.connection() as conn:
        await audit(conn, what)


@app.post("/projects")
async def create_project(name: str, tasks: BackgroundTasks, db=Depends(db_conn)):
    await db.execute("INSERT INTO projects (name) VALUES (%s)", (name,))
    tasks.add_task(audit, db, f"created {name}")  # expect: SL202
    return {"name": name}


@app.post("/projects/own")
async def create_project_own(name: str, request: Request, tasks: BackgroundTasks, db=Depends(db_conn)):
    # quiet: the task takes its own connection from the pool
    await db.execute("INSERT INTO projects (name) VALUES (%s)", (name,))
    tasks.add_task(audit_own, request.state.db_pool, f"created {name}")
    return {"name": name}
