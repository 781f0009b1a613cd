# An ORM object a helper hands back inside a tuple display (`return
# invoice, created`), unpacked by its caller into names: the name at the
# object's position holds what the helper's closed session left, expired by
# its commit (SL102 on the first read).  Quiet: a refresh before the close,
# expire_on_commit=False, an unpacking of another length, the other names.
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/billing")
Billing = sessionmaker(engine)
Kept = sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int]


def open_invoice(total: int):
    with Billing() as s:
        invoice = Invoice(total=total)
        s.add(invoice)
        s.commit()
        return total > 100, invoice, "new"


def open_refreshed(total: int):
    with Billing() as s:
        invoice = Invoice(total=total)
        s.add(invoice)
        s.commit()
        s.refresh(invoice)
        return invoice, True


def open_kept(total: int):
    with Kept() as s:
        invoice = Invoice(total=total)
        s.add(invoice)
        s.commit()
        return invoice, True


# Bad: the second item is the invoice, expired and detached.
def bill(total: int):
    large, invoice, state = open_invoice(total)
    print(large, state)
    return invoice.total  # expect: SL102 "comes from `open_invoice()`"


# Quiet: refreshed in the helper before its session closed.
def bill_refreshed(total: int):
    invoice, created = open_refreshed(total)
    return invoice.total, created


# Quiet: the helper's sessions do not expire on commit.
def bill_kept(total: int):
    invoice, created = open_kept(total)
    return invoice.total


# Quiet: the whole tuple in one name; its attribute is the tuple's.
def bill_whole(total: int):
    result = open_invoice(total)
    return result.count(None)
