from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://observer@db/observer")
SessionLocal = sessionmaker(bind=engine)
