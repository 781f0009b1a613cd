from sqlalchemy import MetaData, create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://svc@db/svc")
SessionLocal = sessionmaker(bind=engine)
metadata = MetaData()
