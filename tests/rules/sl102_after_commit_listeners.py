# SL102: what an after_commit listener of a session reads of its objects.
# SQLAlchemy runs after_commit inside commit(), once the transaction is
# over: the session cannot emit SQL there, and expire_on_commit acts only
# after the listeners ran.  An object a commit before expired (or a lazy
# relationship not loaded) must load when read, and raises
# InvalidRequestError instead; what the committing transaction loaded is
# still loaded and reads fine.
import logging

from sqlalchemy import ForeignKey, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

engine = create_engine("postgresql+psycopg://app@db/app")
Factory = sessionmaker(bind=engine)
KeepFactory = sessionmaker(bind=engine, expire_on_commit=False)
log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    copies: Mapped[int]
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id"))
    shelf: Mapped[Shelf] = relationship()


def announce(title: str, label: str = "") -> None:
    log.info("restocked %s %s", title, label)


def restock(book_id: int, n: int) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)
        book.copies += n
        s.commit()

        @event.listens_for(s, "after_commit", once=True)
        def tell(session):
            announce(book.title)  # expect: SL102 "the commit on line 46 expired it"

        s.add(Book(title="spare", copies=1, shelf_id=book_id))
        s.commit()


def restock_many(book_id: int, batches: list[int]) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)

        def tell(session):
            log.info("now %d", book.copies)  # expect: SL102 "the commit on line 65 expired it"

        event.listen(s, "after_commit", tell)
        book.copies += batches[0]
        s.commit()
        s.add(Book(title="spare", copies=batches[1], shelf_id=book_id))
        s.commit()


def shelve(book_id: int) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)

        @event.listens_for(s, "after_commit")
        def tell(session):
            announce(book.title, book.shelf.label)  # expect: SL102 "`book.shelf` is a relationship loaded on first read"

        book.copies -= 1
        s.commit()


# Quiet: the listener runs before the commit expires what its transaction
# loaded; once=True runs it at the first commit alone.
def restock_once(book_id: int, n: int) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)

        @event.listens_for(s, "after_commit", once=True)
        def tell(session):
            announce(book.title)

        book.copies += n
        s.commit()
        s.commit()


# Quiet: the values are read before the commit, the listener gets strings.
def restock_plain(book_id: int, n: int) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)
        book.copies += n
        s.commit()
        title = book.title

        @event.listens_for(s, "after_commit", once=True)
        def tell(session):
            announce(title)

        s.add(Book(title="spare", copies=1, shelf_id=book_id))
        s.commit()


# Quiet: the factory keeps objects loaded after a commit.
def restock_kept(book_id: int, n: int) -> None:
    with KeepFactory() as s:
        book = s.get(Book, book_id)
        book.copies += n
        s.commit()

        @event.listens_for(s, "after_commit", once=True)
        def tell(session):
            announce(book.title)

        s.add(Book(title="spare", copies=1, shelf_id=book_id))
        s.commit()


# Quiet: before_commit and after_flush run inside the transaction, where
# loading is allowed.
def restock_flushed(book_id: int, n: int) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)
        book.copies += n
        s.commit()

        @event.listens_for(s, "before_commit", once=True)
        def check(session):
            announce(book.title)

        @event.listens_for(s, "after_flush", once=True)
        def flushed(session, ctx):
            announce(book.title)

        s.add(Book(title="spare", copies=1, shelf_id=book_id))
        s.commit()


# Quiet: read again after the commit that expired it, so the transaction
# the listener ends has loaded it.
def restock_reloaded(book_id: int, n: int) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)
        book.copies += n
        s.commit()
        log.info("stock of %s", book.title)

        @event.listens_for(s, "after_commit", once=True)
        def tell(session):
            announce(book.title)

        s.add(Book(title="spare", copies=1, shelf_id=book_id))
        s.commit()


# Quiet: the attribute is given a value after the commit that expired the
# object, and the listener reads that value, which loads nothing.
def retitle(book_id: int, title: str) -> None:
    with Factory() as s:
        book = s.get(Book, book_id)
        book.copies += 1
        s.commit()

        @event.listens_for(s, "after_commit", once=True)
        def tell(session):
            announce(book.title)

        book.title = title
        s.commit()
