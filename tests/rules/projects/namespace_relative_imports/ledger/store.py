from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://app@db/ledger")
Session = sessionmaker(bind=engine)
