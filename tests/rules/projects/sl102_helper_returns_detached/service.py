# SL102: the caller reads a relationship (lazy, the default) of an object a
# helper returned after closing its session: the load it needs has no
# session, and DetachedInstanceError is raised.  Columns that were loaded
# read fine; an eager option, or a read inside the helper, loads it first.
# Convention: the finding is on the read in the caller.
from repo import find_user, get_user, get_user_eager, get_user_touched


def order_count(user_id: int) -> int:
    user = get_user(user_id)
    return len(user.orders)  # expect: SL102


def orders_of(name: str):
    user = find_user(name)
    return [o.id for o in user.orders]  # expect: SL102


def user_name(user_id: int) -> str:
    user = get_user(user_id)
    return user.name


def order_count_eager(user_id: int) -> int:
    user = get_user_eager(user_id)
    return len(user.orders)


def order_count_touched(user_id: int) -> int:
    user = get_user_touched(user_id)
    return len(user.orders)
