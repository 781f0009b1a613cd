# One session per thread; removed by the handlers' on_finish (handlers.py).
from sqlalchemy.orm import scoped_session, sessionmaker

DBSession = scoped_session(sessionmaker())
