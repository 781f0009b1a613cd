# args: --fastapi-version 0.110
# A class-based view (fastapi-utils' cbv and controllers like it): the class
# body declares `session: Session = Depends(get_db)` and FastAPI fills it per
# request, so each method borrows get_db's session.  On 0.110 get_db closes
# it when the endpoint returns, before background tasks.  The finding is on
# the hand-off call.
from fastapi import APIRouter, BackgroundTasks, Depends
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
router = APIRouter()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def import_feed(session: Session, url: str) -> None:
    session.execute(text("INSERT INTO feeds (url) VALUES (:u)"), {"u": url})
    session.commit()


def import_feed_own(url: str) -> None:
    with SessionLocal() as session:
        import_feed(session, url)


class FeedController:
    session: Session = Depends(get_db)

    def bulk_import(self, urls: list[str], tasks: BackgroundTasks):
        for url in urls:
            tasks.add_task(import_feed, self.session, url)  # expect: SL202
        return {"queued": len(urls)}

    def bulk_import_own(self, urls: list[str], tasks: BackgroundTasks):
        # quiet: the task opens its own session
        for url in urls:
            tasks.add_task(import_feed_own, url)
        return {"queued": len(urls)}

    def count(self):
        # quiet: used inside the request
        return self.session.execute(text("SELECT count(*) FROM feeds")).scalar_one()
