from sqlalchemy import select

from .models import Crate


class Crates:
    def __init__(self, session):
        self.session = session

    def add(self, crate: Crate) -> None:
        self.session.add(crate)

    def heavy(self, limit: int) -> list[Crate]:
        return list(self.session.scalars(select(Crate).where(Crate.weight > limit)))
