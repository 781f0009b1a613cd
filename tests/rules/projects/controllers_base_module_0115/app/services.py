from app.repos import AllRepositories


class BulkScraper:
    def __init__(self, repos: AllRepositories, urls: list[str]):
        self.repos = repos
        self.urls = urls

    def scrape(self) -> None:
        for url in self.urls:
            self.repos.add_recipe(url)


def scrape_urls(urls: list[str]) -> None:
    print("scraping", len(urls))
