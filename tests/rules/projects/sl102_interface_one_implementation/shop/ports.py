import abc

from sqlalchemy.orm import Session


class Finisher(abc.ABC):
    """The application's port: what ends a unit of work."""

    @abc.abstractmethod
    def finish(self, session: Session) -> None:
        raise NotImplementedError


class Archive(abc.ABC):
    def store(self, session: Session) -> None:
        ...


class Notifier:
    def done(self, session: Session) -> None:
        pass  # a default that does nothing: not a declaration


class Audit(abc.ABC):
    @abc.abstractmethod
    def record(self, session: Session) -> None:
        ...
