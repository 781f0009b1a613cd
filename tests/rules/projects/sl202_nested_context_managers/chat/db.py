# The request's session comes from the project's own context managers,
# nested: the dependency closes it when its `with` ends, as the innermost
# `with Session(...)` does.
import contextvars
from collections.abc import Generator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

TENANT = contextvars.ContextVar("tenant", default="public")
engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=20)


@contextmanager
def session_for_tenant(tenant: str) -> Generator[Session, None, None]:
    with Session(bind=engine, expire_on_commit=False) as session:
        session.execute(text("SELECT set_config('search_path', :t, true)"), {"t": tenant})
        yield session


@contextmanager
def session_for_current_tenant() -> Generator[Session, None, None]:
    with session_for_tenant(TENANT.get()) as session:
        yield session


def get_session() -> Generator[Session, None, None]:
    with session_for_current_tenant() as session:
        yield session
