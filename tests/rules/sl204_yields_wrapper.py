# SL204 when the dependency yields an object that wraps its session (a
# repository, an authorization server) and commits the session after the
# yield: on the newest FastAPI (no version found) that commit runs after the
# response.  The finding is on the commit.
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


class Tokens:
    def __init__(self, session: Session):
        self.session = session

    def issue(self, user_id: int) -> str:
        self.session.execute(text("INSERT INTO tokens (user_id) VALUES (:u)"), {"u": user_id})
        self.session.flush()
        return "token"


def get_tokens():
    with SessionLocal() as session:
        yield Tokens(session)
        session.commit()  # expect: SL204


def get_tokens_committed_by_endpoint():
    # quiet: nothing is committed after the yield
    with SessionLocal() as session:
        yield Tokens(session)


@app.post("/token")
def token(user_id: int, tokens: Tokens = Depends(get_tokens)):
    return {"access_token": tokens.issue(user_id)}


@app.post("/token/committed")
def token_committed(user_id: int, tokens: Tokens = Depends(get_tokens_committed_by_endpoint)):
    value = tokens.issue(user_id)
    tokens.session.commit()
    return {"access_token": value}
