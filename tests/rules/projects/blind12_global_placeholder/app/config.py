import os


class Settings:
    database_url = os.environ.get("DATABASE_URL", "postgresql+asyncpg://app@localhost/app")
    sync_database_url = os.environ.get("SYNC_DATABASE_URL", "postgresql+psycopg2://app@localhost/app")
    events_dsn = os.environ.get("EVENTS_DSN", "postgresql://app@localhost/events")


settings = Settings()
