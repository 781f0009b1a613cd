# An ORM object of a scoped_session registry used directly: `Registry.query(
# ...)`, `Registry.commit()`, `Registry.close()` and `Registry.remove()` all
# act on the calling thread's one session, so an object it loaded is
# expired by the registry's commit and detached by its close or remove().
# The loaders include the legacy `Query.get(pk)`, `Session.get`,
# `one_or_none()` and `scalars(select(...))`.  Quiet: a registry whose
# factory says expire_on_commit=False, a read before the commit, an object
# loaded again after the close, a refresh, a registry whose factory is not
# seen, Flask's teardown that removes the session after the response.
from flask import Flask
from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

from app.db import make_factory

Base = declarative_base()
engine = create_engine("postgresql://app@localhost/app")
Registry = scoped_session(sessionmaker(bind=engine))
Keeping = scoped_session(sessionmaker(bind=engine, expire_on_commit=False))
PlainMaker = sessionmaker(bind=engine)
Named = scoped_session(PlainMaker)
Unseen = scoped_session(make_factory())
app = Flask(__name__)


class Ticket(Base):
    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    state = Column(String)
    hits = Column(Integer, default=0)


# Bad: the legacy Query.get, then the registry's commit and remove().
def close_ticket(ticket_id):
    ticket = Registry.query(Ticket).get(ticket_id)
    ticket.state = "closed"
    Registry.commit()
    Registry.remove()
    return {"state": ticket.state}  # expect: SL102 "the close on line 38"


# Bad: one_or_none() of a filtered query, a registry named through its maker.
def bump(ticket_id):
    t = Named.query(Ticket).filter(Ticket.id == ticket_id).one_or_none()
    t.hits += 1
    Named.commit()
    Named.close()
    print(t.hits)  # expect: SL102


# Bad: Session.get and scalars(select(...)) through the registry.
def reopen(ticket_id):
    first = Registry.get(Ticket, ticket_id)
    others = Registry.scalars(select(Ticket).where(Ticket.state == "open")).all()
    first.state = "open"
    Registry.commit()
    Registry.close()
    return first.id, len(others)  # expect: SL102 "ORM object `first`"


# Quiet: the registry's factory keeps objects loaded across commits.
def keep_loaded(ticket_id):
    ticket = Keeping.query(Ticket).get(ticket_id)
    ticket.hits += 1
    Keeping.commit()
    Keeping.close()
    return ticket.hits


# Quiet: the registry's factory is made where it cannot be seen, so whether
# its commits expire is not known.
def unseen_factory(ticket_id):
    ticket = Unseen.query(Ticket).get(ticket_id)
    ticket.hits += 1
    Unseen.commit()
    Unseen.close()
    return ticket.hits


# Quiet: what is needed is read before the commit; after it nothing is read.
def read_first(ticket_id):
    ticket = Registry.query(Ticket).get(ticket_id)
    hits = ticket.hits + 1
    ticket.hits = hits
    Registry.commit()
    Registry.close()
    return hits


# Quiet: loaded again through the registry after the close (its session
# is used again, the new object is attached).
def reload_after_close(ticket_id):
    ticket = Registry.query(Ticket).get(ticket_id)
    ticket.hits += 1
    Registry.commit()
    Registry.close()
    ticket = Registry.query(Ticket).get(ticket_id)
    return ticket.hits


# Quiet: refreshed after the commit, while the session is open.
def refreshed(ticket_id):
    ticket = Registry.query(Ticket).get(ticket_id)
    ticket.hits += 1
    Registry.commit()
    Registry.refresh(ticket)
    Registry.close()
    return ticket.hits


# Quiet: the commit expires it, but the session stays open: the read reloads.
def no_close(ticket_id):
    ticket = Registry.query(Ticket).get(ticket_id)
    ticket.hits += 1
    Registry.commit()
    return ticket.hits


# Quiet: a Flask view whose registry session is removed at teardown, after
# the response was built.
@app.route("/tickets/<int:ticket_id>")
def show(ticket_id):
    ticket = Registry.query(Ticket).get(ticket_id)
    ticket.hits += 1
    Registry.commit()
    return {"hits": ticket.hits}


@app.teardown_appcontext
def shutdown_session(exception=None):
    Registry.remove()
