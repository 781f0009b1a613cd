from forum.db import engine

preload_app = True


def post_fork(server, worker):
    server.log.info("worker %s forked, pool %s", worker.pid, engine.pool.status())
