from sqlalchemy.orm import Session

from shop.ports import Finisher


class FakeFinisher(Finisher):
    def finish(self, session: Session) -> None:
        self.finished = True
