import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://shop@localhost/shop")
WAREHOUSE_CONFIG = {
    "sqlalchemy.url": os.environ.get("WAREHOUSE_URL", "postgresql+psycopg2://wh@localhost/warehouse"),
    "sqlalchemy.pool_size": "5",
    "sqlalchemy.pool_pre_ping": "true",
}
