from fastapi import FastAPI

from notesvc.db import connection

app = FastAPI()


@app.get("/orgs/{org}/notes")
async def list_notes(org: str):
    async with connection() as conn:
        await conn.execute("SET search_path TO org_data")  # expect: SL303 "next request"
        cur = await conn.execute("SELECT body FROM notes")
        return await cur.fetchall()


@app.get("/orgs/{org}/tags")
async def list_tags(org: str):
    async with connection() as conn:
        await conn.execute("SET LOCAL search_path TO org_data")
        cur = await conn.execute("SELECT tag FROM tags")
        return await cur.fetchall()
