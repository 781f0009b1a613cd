# SL401 beyond a cockroachdb URL: PostgreSQL at SERIALIZABLE isolation
# aborts contended transactions with SQLSTATE 40001 too, so a project whose
# engine (or sessionmaker) is made with isolation_level="SERIALIZABLE" needs
# the same retry.  tenacity's loop form is a retry: `for attempt in
# Retrying(...)` with the work in `with attempt:`; without retry= every
# exception is retried, with one only what it names (an error that carries
# 40001, a predicate of the project) and TryAgain.
# Convention: the finding is on the commit, or the begin() of the block.
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import (Retrying, TryAgain, retry_if_exception, retry_if_exception_type,
                      stop_after_attempt)

engine = create_engine("postgresql+psycopg2://app@db/app", isolation_level="SERIALIZABLE")
SessionLocal = sessionmaker(bind=engine)


def is_serialization_failure(e: DBAPIError) -> bool:
    return getattr(e.orig, "pgcode", None) == "40001"


# Bad: a plain commit.
def transfer(src: int, dst: int, amount: int) -> None:
    with SessionLocal() as s:
        s.execute(text("UPDATE accounts SET balance = balance - :a WHERE id = :i"),
                  {"a": amount, "i": src})
        s.execute(text("UPDATE accounts SET balance = balance + :a WHERE id = :i"),
                  {"a": amount, "i": dst})
        s.commit()  # expect: SL401 "commits a SERIALIZABLE transaction"


@contextmanager
def unit_of_work():
    s = SessionLocal()
    try:
        yield s
        s.commit()  # expect: SL401
    finally:
        s.close()


# Bad: the try that turns 40001 into TryAgain sits inside the block whose
# exit commits: a failure at COMMIT leaves `with attempt:` as a DBAPIError,
# which retry= does not accept.
def debit(account: int, amount: int) -> None:
    for attempt in Retrying(retry=retry_if_exception_type(TryAgain), stop=stop_after_attempt(5)):
        with attempt:
            with unit_of_work() as s:
                try:
                    s.execute(text("UPDATE accounts SET balance = balance - :a WHERE id = :i"),
                              {"a": amount, "i": account})
                except DBAPIError as e:
                    if is_serialization_failure(e):
                        raise TryAgain
                    raise


# Quiet: tenacity without retry= retries every exception, the commit's too.
def credit(account: int, amount: int) -> None:
    for attempt in Retrying(stop=stop_after_attempt(5)):
        with attempt:
            with SessionLocal() as s:
                s.execute(text("UPDATE accounts SET balance = balance + :a WHERE id = :i"),
                          {"a": amount, "i": account})
                s.commit()


# Quiet: the try around the whole transaction, commit included, raises TryAgain.
def refund(account: int, amount: int) -> None:
    for attempt in Retrying(retry=retry_if_exception_type(TryAgain), stop=stop_after_attempt(5)):
        with attempt:
            try:
                with SessionLocal() as s:
                    s.execute(text("UPDATE accounts SET balance = balance + :a WHERE id = :i"),
                              {"a": amount, "i": account})
                    s.commit()
            except OperationalError as e:
                if is_serialization_failure(e):
                    raise TryAgain
                raise


# Quiet: retry= names the error that carries 40001, so a failing COMMIT is retried.
def rename(account: int, name: str) -> None:
    for attempt in Retrying(retry=retry_if_exception_type(OperationalError),
                            stop=stop_after_attempt(5), reraise=True):
        with attempt:
            with SessionLocal() as s:
                s.execute(text("UPDATE accounts SET name = :n WHERE id = :i"),
                          {"n": name, "i": account})
                s.commit()


# Quiet: the project's own predicate decides, combined with `|`.
def close_account(account: int) -> None:
    policy = retry_if_exception(is_serialization_failure) | retry_if_exception_type(TryAgain)
    for attempt in Retrying(retry=policy, stop=stop_after_attempt(5)):
        with attempt:
            with SessionLocal() as s:
                s.execute(text("DELETE FROM accounts WHERE id = :i"), {"i": account})
                s.commit()


# Bad: retry= accepts only an error that is not the database's.
def reopen(account: int) -> None:
    for attempt in Retrying(retry=retry_if_exception_type((ValueError, KeyError)),
                            stop=stop_after_attempt(3)):
        with attempt:
            with SessionLocal() as s:
                s.execute(text("UPDATE accounts SET closed = false WHERE id = :i"), {"i": account})
                s.commit()  # expect: SL401
