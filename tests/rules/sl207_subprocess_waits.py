# SL207 on a child process the code waits for: subprocess.run, call,
# check_call and check_output run it to its end; a Popen's wait() and
# communicate() wait for it; an asyncio subprocess's wait() and
# communicate() when awaited.  A converter, an archiver or a script runs
# for as long as it takes, with the session idle in its transaction.
# A timeout under SHORT_PAUSE outside a loop is a pause, quiet; so is a
# Popen never waited for, and a wait after the commit.
import asyncio
import subprocess

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5)
SessionLocal = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=5)
AsyncMaker = async_sessionmaker(aengine)
app = Flask(__name__)


# Bad: the report's query transaction stays open through the converter.
@app.route("/reports/<int:rid>/pdf")
def report_pdf(rid: int):
    db = SessionLocal()
    try:
        row = db.execute(text("SELECT body FROM reports WHERE id = :i"), {"i": rid}).one()
        with open(f"/tmp/{rid}.md", "w") as fh:
            fh.write(row.body)
        proc = subprocess.Popen(["pandoc", f"/tmp/{rid}.md", "-o", f"/tmp/{rid}.pdf"])
        proc.wait()  # expect: SL207 "child process"
        return open(f"/tmp/{rid}.pdf", "rb").read()
    finally:
        db.close()


# Bad: run(), check_output() and communicate() wait too.
def archive(batch_id: int) -> bytes:
    with SessionLocal() as db:
        paths = db.execute(text("SELECT path FROM files WHERE batch = :b"), {"b": batch_id}).scalars().all()
        subprocess.run(["tar", "czf", f"/tmp/{batch_id}.tgz", *paths], check=True)  # expect: SL207 "child process"
        digest = subprocess.check_output(["sha256sum", f"/tmp/{batch_id}.tgz"])  # expect: SL207 "child process"
        out, _ = subprocess.Popen(["gpg", "--sign"], stdin=subprocess.PIPE).communicate(digest)  # expect: SL207 "child process"
        db.execute(text("UPDATE batches SET digest = :d WHERE id = :b"), {"d": digest, "b": batch_id})
        db.commit()
        return out


# Bad: an asyncio subprocess awaited with the session in its transaction.
async def transcode(video_id: int) -> None:
    async with AsyncMaker() as session:
        src = await session.scalar(text("SELECT path FROM videos WHERE id = :i"), {"i": video_id})
        proc = await asyncio.create_subprocess_exec("ffmpeg", "-i", src, f"/tmp/{video_id}.webm")
        await proc.wait()  # expect: SL207 "child process"
        await session.execute(text("UPDATE videos SET done = true WHERE id = :i"), {"i": video_id})
        await session.commit()


# Quiet: the read is committed before the converter runs.
def archive_fixed(batch_id: int) -> None:
    with SessionLocal() as db:
        paths = db.execute(text("SELECT path FROM files WHERE batch = :b"), {"b": batch_id}).scalars().all()
        db.commit()
        subprocess.run(["tar", "czf", f"/tmp/{batch_id}.tgz", *paths], check=True)


# Quiet: a short, bounded call outside a loop is a pause.
def hostname_note(note_id: int) -> None:
    with SessionLocal() as db:
        db.execute(text("SELECT 1 FROM notes WHERE id = :i"), {"i": note_id})
        host = subprocess.check_output(["hostname"], timeout=2)
        db.execute(text("UPDATE notes SET host = :h WHERE id = :i"), {"h": host, "i": note_id})
        db.commit()


# Quiet: started, never waited for here.
def kick_off(job_id: int) -> None:
    with SessionLocal() as db:
        db.execute(text("UPDATE jobs SET started = now() WHERE id = :i"), {"i": job_id})
        subprocess.Popen(["worker", str(job_id)])
        db.commit()
