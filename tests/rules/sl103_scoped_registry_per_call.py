# SL103 release-skipped: `scoped_session(maker)` called inside a function
# makes a registry of its own for that call; its session, made at the first
# use, is closed only by remove() (or close()).  Never removed, every call
# leaves a session behind (sessions hold reference cycles: they wait for
# the garbage collector, with their connections).
# Convention: the finding is on the scoped_session(...) call.
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from app.models import Badge

SessionMaker = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))
Registry = scoped_session(SessionMaker)  # module level: one registry (SL201's concern)


class BadgeDatabase:
    def __init__(self, maker):
        self.session_maker = maker
        self.registry = scoped_session(maker)  # kept by the object: its business

    def badge_exists(self, badge_id):
        session = scoped_session(self.session_maker)  # expect: SL103
        return session.query(Badge).filter_by(id=badge_id).count() != 0

    def badge_exists_removed(self, badge_id):
        # Quiet: removed before the call ends.
        session = scoped_session(self.session_maker)
        try:
            return session.query(Badge).filter_by(id=badge_id).count() != 0
        finally:
            session.remove()

    def badge_exists_shared(self, badge_id):
        # Quiet: the object's one registry.
        return self.registry.query(Badge).filter_by(id=badge_id).count() != 0


def unused():
    # Quiet: never used, so no session was made.
    session = scoped_session(SessionMaker)
    return session is not None
