# A project's SQLAlchemy dialect overrides the Dialect API's methods, which
# SQLAlchemy calls with one of its own Connections right after self
# (reflection, savepoints, initialize): that parameter is a Connection even
# with no annotation, and SQLAlchemy 2.0 refuses a plain string there.
# The methods handed a DBAPI connection (do_rollback, get_isolation_level)
# are the driver's own connection, whose execute takes strings.
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.engine import default


class CustomDialect(PGDialect):
    name = "custom"

    def get_table_names(self, conn, schema=None, **kw):
        return [row[0] for row in conn.execute("SHOW TABLES")]  # expect: SL301

    def has_table(self, conn, table, schema=None, info_cache=None):
        return bool(conn.execute(text("SELECT 1")).scalar())

    def do_savepoint(self, connection, name):
        connection.execute("SAVEPOINT custom")  # expect: SL301

    def do_ping(self, dbapi_connection):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True

    def get_isolation_level(self, dbapi_connection):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SHOW TRANSACTION ISOLATION LEVEL")
            return cursor.fetchone()[0]

    def helper(self, conn):
        return conn.execute("SELECT 1")  # not a Dialect API method: unknown


class Subdialect(CustomDialect):
    def get_view_names(self, connection, schema=None, **kw):
        return connection.execute("SHOW VIEWS")  # expect: SL301


class Other(default.DefaultDialect):
    def initialize(self, connection):
        super().initialize(connection)
        connection.exec_driver_sql("SET application_name = 'x'")


class NotADialect:
    def get_table_names(self, conn, schema=None):
        return conn.execute("SHOW TABLES")


# A dialect's test suite runs on SQLAlchemy's test plugin, which keeps the
# engine it was configured with as sqlalchemy.testing.db.
from sqlalchemy import testing  # noqa: E402
from sqlalchemy.testing import db as testing_db  # noqa: E402


def test_reflection():
    with testing.db.begin() as conn:
        conn.execute("SELECT 1")  # expect: SL301
        conn.execute(text("SELECT 1"))


def test_connect():
    with testing_db.connect() as conn:
        conn.execute("SELECT 1")  # expect: SL301


def test_leaks():
    conn = testing.db.connect()  # expect: SL103
    conn.execute(text("SELECT 1"))
