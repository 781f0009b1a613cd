# args: --fastapi-version 0.110
# What a class-based view builds from its request session: objects that keep
# objects that keep it (`Scraper(Repos(self.session))`), and properties of the
# view that return such an object (`self.repos`, also kept in `self._repos` on
# first use, also declared on a base class).  On 0.110 get_db closes the
# session when the endpoint returns, before background tasks: work handed an
# object that keeps it runs on a closed session.
from functools import cached_property

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


class Repos:
    def __init__(self, session: Session):
        self.session = session

    def add(self, url: str) -> None:
        self.session.execute(text("INSERT INTO feeds (url) VALUES (:u)"), {"u": url})
        self.session.commit()


class Scraper:
    def __init__(self, repos: Repos, retries: int = 3):
        self.repos = repos
        self.retries = retries

    def scrape(self, urls: list[str]) -> None:
        for u in urls:
            self.repos.add(u)


class Settings:
    def __init__(self, name: str):
        self.name = name


class BaseController:
    session: Session = Depends(get_db)
    _repos: Repos | None = None

    @property
    def repos(self) -> Repos:
        if not self._repos:
            self._repos = Repos(self.session)
        return self._repos

    @property
    def settings(self) -> Settings:
        return Settings("feeds")

    @property
    def feed_count(self) -> int:
        return self.session.execute(text("SELECT count(*) FROM feeds")).scalar_one()


class FeedController(BaseController):
    @cached_property
    def scraper(self) -> Scraper:
        return Scraper(Repos(self.session))

    def nested(self, urls: list[str], tasks: BackgroundTasks):
        scraper = Scraper(Repos(self.session))
        tasks.add_task(scraper.scrape, urls)  # expect: SL202

    def nested_keyword(self, urls: list[str], tasks: BackgroundTasks):
        scraper = Scraper(retries=1, repos=Repos(self.session))
        tasks.add_task(scraper.scrape, urls)  # expect: SL202

    def from_base_property(self, urls: list[str], tasks: BackgroundTasks):
        scraper = Scraper(self.repos)
        tasks.add_task(scraper.scrape, urls)  # expect: SL202

    def from_own_property(self, urls: list[str], tasks: BackgroundTasks):
        tasks.add_task(self.scraper.scrape, urls)  # expect: SL202 "`self.scraper`"

    def in_request(self, urls: list[str]):
        # quiet: the object is used while the request's session is open
        Scraper(self.repos).scrape(urls)
        return {"added": len(urls)}

    def settings_only(self, urls: list[str], tasks: BackgroundTasks):
        # quiet: the property makes an object that keeps no session
        tasks.add_task(Scraper(self.settings).scrape, urls)

    def value_read(self, tasks: BackgroundTasks):
        # quiet: the property reads a number through the session; the task
        # gets the number
        tasks.add_task(print, Settings(str(self.feed_count)))

    def own_session(self, urls: list[str], tasks: BackgroundTasks):
        # quiet: the task's scraper is made with the task's own session
        tasks.add_task(scrape_own, urls)


def scrape_own(urls: list[str]) -> None:
    with SessionLocal() as session:
        Scraper(Repos(session)).scrape(urls)


class OwnSessionController(BaseController):
    @property
    def own_repos(self) -> Repos:
        return Repos(SessionLocal())

    def hands_own(self, urls: list[str], tasks: BackgroundTasks):
        # quiet here: the property makes a session of its own, and reading
        # the property is not where it is made (no SL103 on this line)
        tasks.add_task(Scraper(self.own_repos).scrape, urls)


class CyclicController(BaseController):
    # quiet, and no endless evaluation: two properties made of each other
    @property
    def left(self) -> Scraper:
        return Scraper(self.right)

    @property
    def right(self) -> Scraper:
        return Scraper(self.left)

    def loop(self, tasks: BackgroundTasks):
        tasks.add_task(Scraper(self.left).scrape, [])
