# The session-per-request middleware of the old FastAPI tutorial: it closes
# request.state.db right after call_next, which is before the response body
# is streamed and before background tasks run, on every FastAPI version.
# The lock file pins FastAPI 0.99.1: the yield dependency's exit code runs
# after background tasks, so the dependency below may hand its session over.
from fastapi import BackgroundTasks, Depends, FastAPI, Request
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://tracker@localhost/tracker")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    request.state.db = SessionLocal()
    try:
        response = await call_next(request)
    finally:
        request.state.db.close()
    return response


def get_db(request: Request) -> Session:
    return request.state.db


def get_owned_db():
    db = SessionLocal()
    try:
        yield db
        db.commit()  # expect: SL204
    finally:
        db.close()


def record_visit(db: Session, path: str) -> None:
    db.execute("INSERT INTO visits (path) VALUES (:p)", {"p": path})
    db.commit()


@app.get("/issues")
def list_issues(tasks: BackgroundTasks, db: Session = Depends(get_db)):
    tasks.add_task(record_visit, db, "/issues")  # expect: SL202
    return db.execute("SELECT id FROM issues").fetchall()


@app.get("/issues/direct")
def list_issues_direct(request: Request, tasks: BackgroundTasks):
    tasks.add_task(record_visit, request.state.db, "/issues/direct")  # expect: SL202
    return []


@app.get("/issues/owned")
def list_issues_owned(tasks: BackgroundTasks, db: Session = Depends(get_owned_db)):
    # quiet on 0.99: get_owned_db's exit code runs after the background tasks
    tasks.add_task(record_visit, db, "/issues/owned")
    return []
