# Libraries that run a callback once per message or item, several runs at
# once on their threads: a session made once and reached by the callback
# is used by all of them at the same time.
import functools
import threading
from multiprocessing.pool import ThreadPool

from google.cloud import pubsub_v1
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql://u:p@localhost/db")
Factory = sessionmaker(bind=engine)
PROCESS_SESSION = Factory()  # expect: SL201
registry = scoped_session(Factory)


def store(message, session):
    session.execute(text("insert into seen values (:m)"), {"m": message.data})
    session.commit()


def listen_closure(path):
    session = Factory()
    client = pubsub_v1.SubscriberClient()

    def on_message(message):
        store(message, session)
        message.ack()

    future = client.subscribe(path, on_message)  # expect: SL203 "used by threads"
    future.result()
    session.close()


def listen_partial(path):
    session = Factory()
    pubsub_v1.SubscriberClient().subscribe(path, callback=functools.partial(store, session=session)).result()  # expect: SL203
    session.close()


def listen_default(path):
    session = Factory()

    def on_message(message, session=session):  # expect: SL201 "default argument"
        store(message, session)

    streaming = pubsub_v1.SubscriberClient().subscribe(path, callback=on_message)  # expect: SL203
    streaming.result()
    session.close()


def on_message_global(message):
    store(message, PROCESS_SESSION)  # expect: SL203 "one session of the process"
    message.ack()


def listen_global(path):
    pubsub_v1.SubscriberClient().subscribe(path, callback=on_message_global).result()


def load_all(ids):
    session = Factory()
    with ThreadPool(4) as pool:
        pool.map(lambda i: session.get(dict, i), ids)  # expect: SL203
    session.close()


# Quiet: each message gets a session of its own.
def on_message_own(message):
    with Factory() as session:
        store(message, session)
    message.ack()


def listen_own(path):
    pubsub_v1.SubscriberClient().subscribe(path, callback=on_message_own).result()


# Quiet: the thread's session of a scoped_session, removed when the message is done.
def on_message_scoped(message):
    try:
        store(message, registry())
    finally:
        registry.remove()


def listen_scoped(path):
    pubsub_v1.SubscriberClient().subscribe(path, callback=on_message_scoped).result()


# Quiet: the callbacks take turns under a lock.
def listen_locked(path):
    session = Factory()
    lock = threading.Lock()

    def on_message(message):
        with lock:
            store(message, session)

    pubsub_v1.SubscriberClient().subscribe(path, callback=on_message).result()
    session.close()


# Quiet: flow control lets one message out at a time.
def listen_one_at_a_time(path):
    session = Factory()

    def on_message(message):
        store(message, session)

    flow = pubsub_v1.types.FlowControl(max_messages=1)
    pubsub_v1.SubscriberClient().subscribe(path, callback=on_message, flow_control=flow).result()
    session.close()


# Quiet: a pool of one thread runs the items one after another.
def load_serially(ids):
    session = Factory()
    with ThreadPool(1) as pool:
        pool.map(lambda i: session.get(dict, i), ids)
    session.close()


# Quiet: subscribe() of something that is not a Pub/Sub subscriber.
class Bus:
    def subscribe(self, topic, callback):
        callback(topic)


def listen_bus(topic):
    session = Factory()
    Bus().subscribe(topic, callback=lambda t: store(t, session))
    session.close()
