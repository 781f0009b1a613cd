# A helper that returns what calling its callable parameter gives hands
# the caller what the lambda makes: the caller owns it (SL103 when it
# drops it), also through a method that hands the callable on, and when
# the helper calls it inside try/finally.
import time

import psycopg2


def timed(fn):
    started = time.monotonic()
    try:
        return fn()
    finally:
        print("took", time.monotonic() - started)


def once(fn):
    return fn()


def run_later(fn):
    fn()  # calls it, returns nothing of it
    return None


class Prober:
    delay = 0.5

    def paced(self, make):
        return timed(make)

    def probe_all(self, host, logins):
        ok = []
        for user, pw in logins:
            try:
                self.paced(lambda: psycopg2.connect(host=host, user=user, password=pw))  # expect: SL103 "dropped"
                ok.append(user)
            except psycopg2.OperationalError:
                pass
        return ok

    def probe_closed(self, host, logins):
        ok = []
        for user, pw in logins:
            conn = None
            try:
                conn = self.paced(lambda: psycopg2.connect(host=host, user=user, password=pw))
                ok.append(user)
            except psycopg2.OperationalError:
                pass
            finally:
                if conn is not None:
                    conn.close()
        return ok


def check(dsn):
    once(lambda: psycopg2.connect(dsn))  # expect: SL103 "dropped"


def check_kept(dsn):
    conn = once(lambda: psycopg2.connect(dsn))  # expect: SL103 "never released"
    conn.cursor().execute("SELECT 1")


def check_with(dsn):
    conn = timed(lambda: psycopg2.connect(dsn))
    try:
        conn.cursor().execute("SELECT 1")
    finally:
        conn.close()


def fire(dsn):
    run_later(lambda: print(dsn))
