import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+asyncpg://carts@localhost/carts")
SEARCH_DATABASE_URL = os.environ.get("SEARCH_DATABASE_URL", "postgresql+psycopg2://search@localhost/search")
