from fastapi import BackgroundTasks
from sqlalchemy import text

from recipes.controller import BaseController
from recipes.db import SessionLocal


def scrape(session, url: str) -> None:
    session.execute(text("INSERT INTO recipes (url) VALUES (:u)"), {"u": url})
    session.commit()


def scrape_own(url: str) -> None:
    with SessionLocal() as session:
        scrape(session, url)


class RecipeController(BaseController):
    def bulk(self, urls: list[str], tasks: BackgroundTasks):
        for url in urls:
            tasks.add_task(scrape, self.session, url)  # expect: SL202
        return {"queued": len(urls)}

    def bulk_own(self, urls: list[str], tasks: BackgroundTasks):
        for url in urls:
            tasks.add_task(scrape_own, url)
        return {"queued": len(urls)}
