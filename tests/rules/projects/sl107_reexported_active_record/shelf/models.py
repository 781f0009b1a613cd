from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shelf.records import Record


class Base(DeclarativeBase):
    pass


class Book(Record, Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    lent: Mapped[bool]
