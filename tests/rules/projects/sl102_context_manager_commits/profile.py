# The callers of people.py's helpers: a read of what `find_person` and
# `find_person_named` return raises (expired by the unit of work's commit,
# detached by its close); what the other helpers return is loaded, and a
# caller that only tests the result reads nothing of it.
from people import find_person, find_person_kept, find_person_named, find_person_read_only


def greeting(user_id: str) -> str:
    person = find_person(user_id)
    if person is None:
        return "hello"
    return "hello " + person.nickname  # expect: SL102 "comes from `find_person()`"


def badge(user_id: str) -> dict:
    named = find_person_named(user_id)
    shown = {"user": user_id}
    shown["nick"] = named.nickname  # expect: SL102 "which committed its session"
    return shown


def exists(user_id: str) -> bool:
    found = find_person_named(user_id)
    return found is not None


def cached_greeting(user_id: str) -> str:
    kept = find_person_kept(user_id)
    plain = find_person_read_only(user_id)
    return kept.nickname + plain.nickname
