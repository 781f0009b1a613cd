# A layer that renames the factory on import and wraps it: the wrapper makes
# sessions too, however the name it calls is spelled (summaries follow the
# function, not its local name).
from app.sql_session import close_session
from app.sql_session import create_session as sqldb_create_session


def create_session():
    return sqldb_create_session()


def new_session():
    session = sqldb_create_session()
    return session
