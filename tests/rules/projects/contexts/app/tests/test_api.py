from sqlalchemy import create_engine, text

from app.db import SessionLocal

# quiet: a test's credentials are nobody's secret
test_engine = create_engine("postgresql+psycopg://ci:Qk83vLw2Tz@pg.ci.example.com/orders_test")


# quiet by default: a leak in a test ends with the test run
def test_count():
    db = SessionLocal()
    assert db.execute(text("SELECT 1")).scalar() == 1
    db.close()


# reported: a use after release is a bug in a test too
def test_closed_session():
    db = SessionLocal()
    db.close()
    db.execute(text("SELECT 1"))  # expect: SL102
