from sqlalchemy import text
from sqlalchemy.orm import Session


class AllRepositories:
    def __init__(self, session: Session, group_id: int | None = None):
        self.session = session
        self.group_id = group_id

    def add_recipe(self, url: str) -> None:
        self.session.execute(text("INSERT INTO recipes (url) VALUES (:u)"), {"u": url})
        self.session.commit()
