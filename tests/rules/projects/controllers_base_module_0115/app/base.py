# The base of every controller: FastAPI fills `session` per request (a
# class-based view), and `repos` is made from it on first use.
from fastapi import Depends
from sqlalchemy.orm import Session

from app.db import generate_session
from app.repos import AllRepositories


class BaseController:
    session: Session = Depends(generate_session)
    group_id: int = 1
    _repos: AllRepositories | None = None

    @property
    def repos(self) -> AllRepositories:
        if not self._repos:
            self._repos = AllRepositories(self.session, group_id=self.group_id)
        return self._repos
