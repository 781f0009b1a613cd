from .base import SearchProvider
from .postgres import PostgresProvider
from .tuned import TunedProvider


class ProviderFactory:
    kinds = {"pg": PostgresProvider, "tuned": TunedProvider}

    @classmethod
    def create(cls, kind: str) -> SearchProvider:
        return cls.kinds[kind]()
