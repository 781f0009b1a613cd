# The factory and the engine come out of one function, unpacked at import.
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import DATABASE_URL


def init_db(url: str):
    engine = create_engine(url, pool_pre_ping=True, pool_size=10)
    factory = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)
    return factory, engine


SessionLocal, engine = init_db(DATABASE_URL)

# one session for the admin pages, made at import from the unpacked engine
admin_session = Session(engine)  # expect: SL201


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
