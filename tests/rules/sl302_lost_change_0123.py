# args: --fastapi-version 0.123
# SL302's lost change on FastAPI 0.123 and later: a dependency without
# scopes of its own is cached across security scopes, so the endpoint's
# Depends(get_db) and the one get_current_user takes under
# Security(..., scopes=[...]) are the same session: the change is committed.
from typing import Iterator

from fastapi import Depends, FastAPI, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.orm import Session, declarative_base, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "your profile"})
app = FastAPI()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    username = Column(String)
    display_name = Column(String)


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_current_user(security_scopes: SecurityScopes, token: str = Depends(oauth2),
                     db: Session = Depends(get_db)) -> User:
    return db.scalar(select(User).where(User.username == token))


# Quiet: one session for both parameters on this version.
@app.patch("/me")
def rename_me(name: str, current_user: User = Security(get_current_user, scopes=["me"]),
              db: Session = Depends(get_db)):
    current_user.display_name = name
    db.commit()
    return {"name": name}


# Bad on every version: use_cache=False still makes the endpoint a session of its own.
@app.patch("/me/fresh")
def rename_fresh(name: str, current_user: User = Depends(get_current_user),
                 db: Session = Depends(get_db, use_cache=False)):
    current_user.display_name = name  # expect: SL302 "use_cache=False"
    db.commit()
