import time

from app.jobs import expire_carts


def run_forever():
    while True:
        expire_carts()
        time.sleep(60)
