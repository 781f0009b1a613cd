from wiki.db import engine

preload_app = True


def post_fork(server, worker):
    engine.dispose(close=False)
