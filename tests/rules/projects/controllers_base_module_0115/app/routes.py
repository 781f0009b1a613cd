# A controller in another module than its base: `self.repos` is the base's
# property, made from the request's session (FastAPI 0.115: the dependency
# closes it when the endpoint returns, before background tasks run).
from fastapi import APIRouter, BackgroundTasks

from app.base import BaseController
from app.services import BulkScraper, scrape_urls

router = APIRouter()


class RecipeController(BaseController):
    @router.post("/recipes/bulk")
    def bulk(self, urls: list[str], tasks: BackgroundTasks):
        scraper = BulkScraper(self.repos, urls)
        tasks.add_task(scraper.scrape)  # expect: SL202
        return {"queued": len(urls)}

    @router.post("/recipes/one")
    def one(self, url: str):
        # quiet: used while the request's session is open
        BulkScraper(self.repos, [url]).scrape()
        return {"added": 1}

    @router.post("/recipes/later")
    def later(self, urls: list[str], tasks: BackgroundTasks):
        # quiet: the task gets the URLs only
        tasks.add_task(scrape_urls, urls)
        return {"queued": len(urls)}
