DATABASE_URL = "postgresql+asyncpg://app@db/app"
