# args: --fastapi-version 0.110
# SL302 uncommitted-write, second form: a change to an ORM object that no
# session commits.  A session flushes the objects it holds and only those:
# changing an object of another session (closed, or a dependency's own) and
# committing this one saves nothing, and raises nothing.
# Convention: the finding is on the first change since the object was last
# handed on.
from typing import Annotated, Iterator

from fastapi import Depends, FastAPI, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.orm import Session, declarative_base, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "your profile"})
app = FastAPI()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    username = Column(String)
    display_name = Column(String)
    logins = Column(Integer)


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_reader_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_committing_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
        db.commit()
    finally:
        db.close()


def get_current_user(security_scopes: SecurityScopes, token: str = Depends(oauth2),
                     db: Session = Depends(get_db)) -> User:
    user = db.scalar(select(User).where(User.username == token))
    return user


def get_reader_user(token: str = Depends(oauth2), db: Session = Depends(get_reader_db)) -> User:
    return db.scalars(select(User).where(User.username == token)).first()


def get_fresh_user(token: str = Depends(oauth2),
                   db: Session = Depends(get_db, use_cache=False)) -> User:
    return db.scalar(select(User).where(User.username == token))


def get_reader_user_by_result(token: str = Depends(oauth2),
                              db: Session = Depends(get_reader_db)) -> User:
    result = db.execute(select(User).where(User.username == token))
    return result.scalar_one()


def get_own_user(token: str = Depends(oauth2)) -> User:
    with SessionLocal() as s:
        return s.scalar(select(User).where(User.username == token))


def get_committed_user(security_scopes: SecurityScopes, token: str = Depends(oauth2),
                       db: Session = Depends(get_committing_db)) -> User:
    return db.scalar(select(User).where(User.username == token))


def load_user(user_id: int) -> User:
    with SessionLocal() as s:
        user = s.get(User, user_id)
        return user


CurrentUser = Annotated[User, Security(get_current_user, scopes=["me"])]


# Bad: FastAPI before 0.123 caches get_db under the scopes apart from the
# endpoint's own Depends(get_db): two sessions, and the user's is not committed.
@app.patch("/me")
def rename_me(name: str, current_user: User = Security(get_current_user, scopes=["me"]),
              db: Session = Depends(get_db)):
    current_user.display_name = name  # expect: SL302 "caches apart from the same dependency"
    db.commit()
    return {"name": name}


# Bad: the same through an Annotated alias, with an augmented assignment.
@app.post("/me/login")
def count_login(current_user: CurrentUser, db: Session = Depends(get_db)):
    current_user.logins += 1  # expect: SL302
    db.commit()


# Bad: the user comes from another dependency's session.
@app.patch("/reader")
def rename_reader(name: str, user: User = Depends(get_reader_user),
                  db: Session = Depends(get_db)):
    user.display_name = name  # expect: SL302 "another dependency than `get_db`"
    db.commit()


# Bad: the same, the provider's query result bound to a name first.
@app.patch("/reader/result")
def rename_reader_result(name: str, user: User = Depends(get_reader_user_by_result),
                         db: Session = Depends(get_db)):
    user.display_name = name  # expect: SL302 "`get_reader_user_by_result` loaded it"
    db.commit()


# Bad: use_cache=False gives the provider a session of its own.
@app.patch("/fresh")
def rename_fresh(name: str, user: User = Depends(get_fresh_user), db: Session = Depends(get_db)):
    user.display_name = name  # expect: SL302 "use_cache=False"
    db.commit()


# Bad: the provider loaded the user through a session it closed.
@app.patch("/own")
def rename_own(name: str, user: User = Depends(get_own_user), db: Session = Depends(get_db)):
    user.display_name = name  # expect: SL302 "through a session of its own"
    db.commit()


# Bad: a helper returns the user detached; the change goes to a session made here.
def rename_user(user_id: int, name: str) -> None:
    user = load_user(user_id)
    with SessionLocal() as db:
        user.display_name = name  # expect: SL302 "`load_user` closed the session"
        db.commit()


# Quiet: without scopes, FastAPI hands both parameters the same session.
@app.patch("/me/plain")
def rename_plain(name: str, current_user: User = Depends(get_current_user),
                 db: Session = Depends(get_db)):
    current_user.display_name = name
    db.commit()


# Quiet: Security without scopes keys the cache the same way.
@app.patch("/me/unscoped")
def rename_unscoped(name: str, current_user: User = Security(get_current_user),
                    db: Session = Depends(get_db)):
    current_user.display_name = name
    db.commit()


# Quiet: merged into the committed session first.
@app.patch("/me/merged")
def rename_merged(name: str, current_user: User = Security(get_current_user, scopes=["me"]),
                  db: Session = Depends(get_db)):
    current_user = db.merge(current_user)
    current_user.display_name = name
    db.commit()


# Quiet: added to the committed session after the change.  (SL206: the
# reader's session still holds the connection of its query when the commit
# flushes through a second session of the same pool.)
@app.patch("/reader/added")
def rename_reader_added(name: str, user: User = Depends(get_reader_user),
                        db: Session = Depends(get_db)):
    user.display_name = name
    db.add(user)
    db.commit()  # expect: SL206


# Quiet: handed to a helper, which may add it.
def save(db: Session, user: User) -> None:
    db.add(user)


@app.patch("/reader/saved")
def rename_reader_saved(name: str, user: User = Depends(get_reader_user),
                        db: Session = Depends(get_db)):
    user.display_name = name
    save(db, user)
    db.commit()


# Quiet: the provider's session commits after the endpoint, so the change is saved.
@app.patch("/me/committed")
def rename_committed(name: str,
                     current_user: User = Security(get_committed_user, scopes=["me"]),
                     db: Session = Depends(get_committing_db)):
    current_user.display_name = name
    db.commit()


# Quiet: loaded through the session that commits.
@app.patch("/users/{user_id}")
def rename_by_id(user_id: int, name: str, db: Session = Depends(get_db)):
    user = db.get(User, user_id)
    user.display_name = name
    db.commit()


# Quiet: nothing is committed after the change (not this rule's question).
def rename_detached_only(user_id: int, name: str) -> User:
    user = load_user(user_id)
    user.display_name = name
    return user


# Quiet: the name is bound anew to an object of the committed session.
def rename_reloaded(user_id: int, name: str) -> None:
    user = load_user(user_id)
    with SessionLocal() as db:
        user = db.get(User, user.id)
        user.display_name = name
        db.commit()
