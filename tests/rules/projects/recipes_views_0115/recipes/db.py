from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://recipes@localhost/recipes")
SessionLocal = sessionmaker(bind=engine)


def generate_session():
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()
