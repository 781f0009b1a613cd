# SL303: a reset of the setting in the clean-up of what lends the session
# (a yield dependency's code after its yield, a project context manager's
# finally, directly or through project functions handed the session)
# answers it; but a reset sent on the error path, with no rollback before
# it, fails on an aborted transaction, and when that failure is swallowed
# the connection goes back to the pool still set.
import contextlib
import logging

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
engine = create_engine("postgresql+psycopg2://svc@pg/shop", pool_size=8)
Factory = sessionmaker(engine)
api = FastAPI()


def plain_reset_db():
    with Factory() as db:
        try:
            yield db
        finally:
            db.execute(text("RESET app.shop"))


def _forget_shop(sess: Session) -> None:
    try:
        sess.execute(text("SET app.shop TO DEFAULT"))
    except Exception:
        log.warning("could not clear app.shop")


def _end_request(sess: Session) -> None:
    sess.rollback()
    _forget_shop(sess)


def helper_reset_db():
    with Factory() as db:
        try:
            yield db
        finally:
            _end_request(db)


def swallowing_db():
    with Factory() as db:
        try:
            yield db
        finally:
            try:
                db.execute(text("DISCARD ALL"))
            except SQLAlchemyError:
                pass


def rolled_on_success_only_db():
    db = Factory()
    try:
        yield db
        db.rollback()
    finally:
        with contextlib.suppress(Exception):
            db.execute(text("RESET ALL"))
        db.close()


def _clear_role(s: Session) -> None:
    with contextlib.suppress(Exception):
        s.execute(text("SELECT set_config('app.role', NULL, false)"))


def _cleanup(s: Session) -> None:
    _clear_role(s)


@contextlib.contextmanager
def role_scope():
    sess = Factory()
    try:
        yield sess
    finally:
        _cleanup(sess)
        sess.close()


@contextlib.contextmanager
def careful_role_scope():
    sess = Factory()
    try:
        yield sess
    except Exception:
        sess.rollback()
        raise
    finally:
        _cleanup(sess)
        sess.close()


@contextlib.contextmanager
def transaction_role_scope():
    sess = Factory()
    try:
        with sess.begin():
            yield sess
    finally:
        _cleanup(sess)
        sess.close()


# Quiet: the dependency resets it after the yield (a failure would be loud).
@api.post("/a")
def route_plain(shop: str, db: Session = Depends(plain_reset_db)):
    db.execute(text("SET app.shop = :s"), {"s": shop})
    db.commit()


# Quiet: the helper rolls back first, then resets through another helper.
@api.post("/b")
def route_helper(shop: str, db: Session = Depends(helper_reset_db)):
    db.execute(text("SELECT set_config('app.shop', :s, false)"), {"s": shop})
    db.commit()


# Bad: DISCARD ALL on a maybe aborted transaction, its failure swallowed.
@api.post("/c")
def route_swallowed(shop: str, db: Session = Depends(swallowing_db)):
    db.execute(text("SET app.shop = :s"), {"s": shop})  # expect: SL303 "refuses the reset"
    db.commit()


# Bad: the rollback runs only when the request succeeds.
@api.post("/d")
def route_rolled_late(shop: str, db: Session = Depends(rolled_on_success_only_db)):
    db.execute(text("SET app.shop = :s"), {"s": shop})  # expect: SL303 "roll the session back"
    db.commit()


# Bad: the reset clears another setting.
@api.post("/e")
def route_other(shop: str, db: Session = Depends(plain_reset_db)):
    db.execute(text("SET app.region = :s"), {"s": shop})  # expect: SL303 "next request"
    db.commit()


# Quiet: a reset committed is no setting.
@api.post("/f")
def route_clears(db: Session = Depends(plain_reset_db)):
    db.execute(text("SET app.region TO DEFAULT"))
    db.commit()


# Bad: the context manager's helpers reset it in suppress() with no rollback.
def nightly(role: str) -> None:
    with role_scope() as s:
        s.execute(text("SELECT set_config('app.role', :r, false)"), {"r": role})  # expect: SL303 "failure is swallowed"
        s.commit()


# Quiet: its handler rolls back before the finally resets.
def nightly_careful(role: str) -> None:
    with careful_role_scope() as s:
        s.execute(text("SELECT set_config('app.role', :r, false)"), {"r": role})
        s.commit()


# Quiet: the exit of begin() around the yield rolls back before the reset.
def nightly_transaction(role: str) -> None:
    with transaction_role_scope() as s:
        s.execute(text("SELECT set_config('app.role', :r, false)"), {"r": role})
        s.commit()


# The same through an async context manager.
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine  # noqa: E402

aengine = create_async_engine("postgresql+asyncpg://svc@pg/shop")
AFactory = async_sessionmaker(aengine)


async def _aclear(s) -> None:
    with contextlib.suppress(Exception):
        await s.rollback()
    with contextlib.suppress(Exception):
        await s.execute(text("RESET app.role"))


@contextlib.asynccontextmanager
async def async_role_scope():
    async with AFactory() as sess:
        try:
            yield sess
        finally:
            await _aclear(sess)


@contextlib.asynccontextmanager
async def async_lossy_scope():
    async with AFactory() as sess:
        try:
            yield sess
        finally:
            with contextlib.suppress(Exception):
                await sess.execute(text("RESET app.role"))


# Quiet: rolled back, then reset.
async def sweep(role: str) -> None:
    async with async_role_scope() as s:
        await s.execute(text("SET app.role = :r"), {"r": role})
        await s.commit()


# Bad: reset with no rollback before it, in suppress().
async def sweep_lossy(role: str) -> None:
    async with async_lossy_scope() as s:
        await s.execute(text("SET app.role = :r"), {"r": role})  # expect: SL303 "refuses the reset"
        await s.commit()
