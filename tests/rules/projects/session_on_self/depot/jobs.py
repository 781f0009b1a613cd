from .models import Crate
from .repos import Crates
from .uow import Borrowed, Work


def receive(weight: int) -> int:
    with Work() as work:
        crates = Crates(work.session)
        crates.add(Crate(warehouse_id=1, weight=weight))
    return len(crates.heavy(100))  # expect: SL102 "used after close"


def receive_counted(weight: int) -> int:
    with Work() as work:
        crates = Crates(work.session)
        crates.add(Crate(warehouse_id=1, weight=weight))
        heavy = crates.heavy(100)
    return len(heavy)


def receive_on(session, weight: int) -> int:
    with Borrowed(session) as work:
        crates = Crates(work.session)
        crates.add(Crate(warehouse_id=1, weight=weight))
    return len(crates.heavy(100))
