# SL305 on a session a service keeps on self: `self.db.begin()` after a use
# of self.db in the method, in a method of self it calls, or in a function
# of the project it hands self.db to.
from sqlalchemy import Column, Integer, create_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class Seat(Base):
    __tablename__ = "seats"
    id = Column(Integer, primary_key=True)
    taken = Column(Integer)


def lookup(db: Session, seat_id: int):
    return db.get(Seat, seat_id)


class Booking:
    def __init__(self, db: Session):
        self.db = db

    def _reset(self) -> None:
        self.db.close()

    def _peek(self, seat_id: int):
        return self.db.get(Seat, seat_id)

    def book(self, seat_id: int) -> None:
        seat = lookup(self.db, seat_id)
        with self.db.begin():  # expect: SL305 "`lookup` (called on line 33) left it in one"
            seat.taken = 1

    def book_twice(self, seat_id: int) -> None:
        with self.db.begin():
            self.db.get(Seat, seat_id).taken = 1
        self._peek(seat_id)
        self.db.begin()  # expect: SL305 "`_peek` (called on line 40) left it in one"

    # quiet: a method of self closes it first
    def book_after_reset(self, seat_id: int) -> None:
        self._peek(seat_id)
        self._reset()
        with self.db.begin():
            self.db.get(Seat, seat_id).taken = 1

    # quiet: the begin block's end committed what it began
    def book_in_order(self, seat_id: int) -> None:
        with self.db.begin():
            self.db.get(Seat, seat_id).taken = 1
        with self.db.begin():
            self.db.get(Seat, seat_id).taken = 2

    # quiet: the test asks for the transaction's state
    def book_checked(self, seat_id: int) -> None:
        self._peek(seat_id)
        if not self.db.in_transaction():
            with self.db.begin():
                self.db.get(Seat, seat_id).taken = 1

