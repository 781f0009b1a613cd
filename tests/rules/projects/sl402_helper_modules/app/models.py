from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Payment(Base):
    __tablename__ = "payment"
    id = Column(Integer, primary_key=True)
    charge_id = Column(String, unique=True)
