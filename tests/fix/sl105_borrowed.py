# args: --unsafe-fixes
# SL105 (unsafe): the endpoint's close of the session its provider commits
# after the yield is removed.
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db_tx():
    db = SessionLocal()
    try:
        yield db
        db.commit()
    finally:
        db.close()


@app.post("/orders")
def place_order(order: dict, db: Session = Depends(get_db_tx)):
    db.add(order)
    db.close()
    return {"ok": True}
