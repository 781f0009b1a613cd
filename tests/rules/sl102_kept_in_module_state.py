# An ORM object kept in state that outlives its session (a module global's
# dict or cachetools cache, a global rebound, a class attribute, what an
# lru_cache'd function returns) is found again by a later call, after its
# session closed: an attribute the commit expired, or a lazy relationship
# nothing loaded, raises DetachedInstanceError there (Netflix/dispatch
# #5815).  Quiet: plain values cached (ids, dicts made while the session is
# open), expunge() after loading what is read later, make_transient(), an
# object re-attached with add()/merge()/refresh() before it is read,
# columns of a session made with expire_on_commit=False.
import functools

from cachetools import TTLCache
from pydantic import BaseModel
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.orm import (DeclarativeBase, Mapped, Session, make_transient, mapped_column,
                            relationship, selectinload, sessionmaker)

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
KeepLoaded = sessionmaker(bind=engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team] = relationship()

    def label(self):
        return self.name


_users = {}
_recent = TTLCache(maxsize=64, ttl=60)
_ids = {}
_rows = {}
_all = []
_loaded = {}
_transient = {}
_current = None


class Registry:
    users = {}


# --- a parameter of the caller's session, kept in a cachetools cache --------

def remember(user: User) -> None:
    _recent[user.id] = user


def seen_before(user: User) -> bool:
    last = _recent.get(user.id)
    return last is not None and last.name == user.name  # expect: SL102 "reading `name` raises DetachedInstanceError"


# --- a query's object kept in a global dict, read by another function -------

def load_user(i: int) -> str:
    with SessionLocal() as s:
        u = s.get(User, i)
        _users[i] = u
        s.commit()
    return "ok"


def user_name(i: int) -> str:
    return _users[i].name  # expect: SL102 "kept in `_users`"


def user_names() -> list:
    return [u.name for u in _all]


def all_users() -> list:
    out = []
    for u in _users.values():
        out.append(u.id)  # expect: SL102
    return out


def users_by_id() -> dict:
    return {k: u.name for k, u in _users.items()}


def label_of(i: int) -> str:
    return _users[i].label()


# --- re-attached before it is read: quiet ------------------------------------

def fresh_name(i: int) -> str:
    with SessionLocal() as s:
        u = s.merge(_users[i])
        return u.name


def added_name(i: int) -> str:
    with SessionLocal() as s:
        u = _users[i]
        s.add(u)
        return u.name


# --- plain values cached: quiet ----------------------------------------------

def load_id(i: int) -> None:
    with SessionLocal() as s:
        u = s.get(User, i)
        _ids[i] = u.id
        _rows[i] = {"name": u.name, "team": u.team_id}
        s.commit()


def cached_row(i: int) -> str:
    return _ids[i] + _rows[i]["name"]


_views = {}


class UserView(BaseModel):
    name: str


def load_view(i: int) -> None:
    with SessionLocal() as s:
        _views[i] = UserView.model_validate(s.get(User, i), from_attributes=True)
        s.commit()


def view_name(i: int) -> str:
    return _views[i].name


# --- not expired: a session that keeps its objects loaded --------------------

def load_kept(i: int) -> None:
    with KeepLoaded() as s:
        u = s.scalars(select(User).where(User.id == i)).first()
        _loaded[i] = u
        s.commit()


def kept_name(i: int) -> str:
    return _loaded[i].name


def kept_team(i: int) -> str:
    return _loaded[i].team.name  # expect: SL102 "lazy relationship `team` was never loaded"


# --- expunged after loading what is read later: quiet ------------------------

def load_expunged(i: int) -> None:
    with SessionLocal() as s:
        u = s.scalars(select(User).options(selectinload(User.team)).where(User.id == i)).one()
        s.expunge(u)
        Registry.users[i] = u
        s.commit()


def registry_team(i: int) -> str:
    return Registry.users[i].team.name + Registry.users[i].name


# --- make_transient: quiet ---------------------------------------------------

def load_transient(i: int) -> None:
    with SessionLocal() as s:
        u = s.get(User, i)
        make_transient(u)
        _transient[i] = u
        s.commit()


def transient_name(i: int) -> str:
    return _transient[i].name


# --- a global rebound under `global` -----------------------------------------

def set_current(s: Session, i: int) -> None:
    global _current
    _current = s.get(User, i)


def current_name() -> str:
    return _current.name  # expect: SL102 "kept in `_current`"


# --- what an lru_cache'd function returns ------------------------------------

@functools.lru_cache(maxsize=None)
def default_user() -> User:
    with SessionLocal() as s:
        u = s.scalars(select(User).where(User.name == "admin")).one()
        s.commit()
        return u  # the defect is where a caller reads it (below)


def default_team() -> str:
    admin = default_user()
    return admin.team_id  # expect: SL102 "the cache of `default_user()`"


# --- a session closed without a commit: its columns stay loaded --------------

_peeked = {}


def peek(i: int) -> None:
    with SessionLocal() as s:
        _peeked[i] = s.get(User, i)


def peeked_name(i: int) -> str:
    return _peeked[i].name


def peeked_team(i: int) -> str:
    return _peeked[i].team.name  # expect: SL102 "lazy relationship `team`"


def user_keys() -> list:
    return [k.real for k in _users]

