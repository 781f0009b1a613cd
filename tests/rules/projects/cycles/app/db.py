from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from app.other import Loop, Alias

S = sessionmaker(bind=E)
E = create_engine(S)
A = B
B = A
Factory = Loop
