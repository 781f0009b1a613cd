import pytest

from app.db import engine


# quiet by default: a fixture's connection ends with the test session
@pytest.fixture
def conn():
    c = engine.connect()
    yield c
    c.close()
