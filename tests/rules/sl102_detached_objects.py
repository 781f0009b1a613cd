# An ORM object read after its session closed.  A commit expires every
# object of its session (expire_on_commit, on by default), and the close
# detaches them: the next attribute read needs the session to reload the
# object and raises DetachedInstanceError instead.  An endpoint returning
# one from inside the `with` block that closes its session fails the same
# way when FastAPI builds the response.  Quiet: a refresh, a read or a query
# of the session after the commit, sessions made with expire_on_commit=False,
# no commit, a method call, values and rows rather than objects.
from fastapi import FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Order, User

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
KeepLoaded = sessionmaker(bind=engine, expire_on_commit=False)
app = FastAPI()


# Bad: the id is read after the block that committed and closed.
def create_user(name: str):
    with SessionLocal() as s:
        user = User(name=name)
        s.add(user)
        s.commit()
    return {"id": user.id}  # expect: SL102


# Bad: the endpoint returns it from inside the block; FastAPI serializes it
# after the block closed the session.
@app.post("/orders")
def create_order(total: int):
    with Session(engine) as s:
        order = Order(total=total)
        s.add(order)
        s.commit()
        return order  # expect: SL102


# Bad: close() by hand after the commit.
def rename(user_id: int, name: str):
    s = SessionLocal()
    try:
        user = s.get(User, user_id)
        user.name = name
        s.commit()
    finally:
        s.close()
    return user.name  # expect: SL102


# Bad: a begin() block commits at its end, then the session is closed.
def load_user(user_id: int):
    with SessionLocal.begin() as s:
        user = s.scalars(select(User).where(User.id == user_id)).first()
    return user.email  # expect: SL102


# Quiet: refreshed before the session closes.
def create_user_refreshed(name: str):
    with SessionLocal() as s:
        user = User(name=name)
        s.add(user)
        s.commit()
        s.refresh(user)
    return {"id": user.id}


# Quiet: read while the session is still open, which reloads it.
def create_user_read_inside(name: str):
    with SessionLocal() as s:
        user = User(name=name)
        s.add(user)
        s.commit()
        user_id = user.id
    return {"id": user_id, "name": user.name}


# Quiet: a query after the commit loads the rows again into the same objects.
def create_and_list(name: str):
    with SessionLocal() as s:
        user = User(name=name)
        s.add(user)
        s.commit()
        everyone = s.scalars(select(User)).all()
    return {"id": user.id, "count": len(everyone)}


# Quiet: these sessions keep what they loaded through a commit.
def create_user_kept(name: str):
    with KeepLoaded() as s:
        user = User(name=name)
        s.add(user)
        s.commit()
    return {"id": user.id}


# Quiet: nothing commits, so nothing is expired before the close.
def find_user(user_id: int):
    with SessionLocal() as s:
        user = s.get(User, user_id)
    return user.name


# Quiet: a value and a row, not objects of the session.
def latest_order_total():
    with SessionLocal() as s:
        total = s.scalar(select(Order.total).order_by(Order.id.desc()))
        row = s.execute(select(Order.id, Order.total)).first()
        s.commit()
    return total.real, row.total


# Quiet: the name is bound to something else before the read.
def rebound(name: str):
    with SessionLocal() as s:
        user = User(name=name)
        s.add(user)
        s.commit()
    user = {"name": name}
    return user.get("name")


# Quiet: closed only on the failure path, which raises; the read is on the
# path where the session is still open.
def create_user_closed_on_failure(name: str):
    s = SessionLocal()  # expect: SL103
    try:
        user = User(name=name)
        s.add(user)
        s.commit()
    except Exception:
        s.rollback()
        s.close()
        raise
    return user.id  # never closed on this path: SL103 above, not SL102


# A helper hands its caller an object the commit expired and the block's end
# detached: the defect is the caller's first read of it (the helper's
# commit, close and return are the witness); a caller that reads nothing of
# it is quiet, and so is the helper itself.
def activate_user(name: str):
    with SessionLocal() as s:
        user = s.scalars(select(User).where(User.name == name)).one()
        user.active = True
        s.commit()
        return user


def activate(name: str) -> dict:
    activated = activate_user(name)
    audit = "activate"
    return {"id": activated.id, "by": audit}  # expect: SL102 "comes from `activate_user()`"


def activate_quietly(name: str) -> str:
    activate_user(name)
    done = activate_user(name + "2")
    return "ok" if done is not None else "failed"


# Quiet: refreshed first, or never committed, the object is loaded.
def add_user_refreshed(name: str):
    with SessionLocal() as s:
        user = User(name=name)
        s.add(user)
        s.commit()
        s.refresh(user)
        return user


def get_user(user_id: int):
    with SessionLocal() as s:
        return s.get(User, user_id)
