"""Finding people at the door as a volunteer types: by name, badge name or organisation,
in any case, with or without accents, in their own script or spelt in Latin letters
("gogoladze" finds ნათია გოგოლაძე, "aynura" finds Айнура), people who may come in first.

Neither database can fold accents or spell Georgian in Latin letters portably, so the
matching is done in Python over every person of the event. Doing that from the rows at
each keystroke cost 20-35 ms for 4,200 registrations, mostly reading and folding them;
so each worker keeps the event's folded names (an index) and re-reads them only when a
registration was added, changed or removed: one count/max(updated_at) query tells.
Check-ins leave updated_at alone (checkin.services) so they do not empty the index.
"""

from __future__ import annotations

import functools
import heapq
import threading
from dataclasses import dataclass

from anyascii import anyascii
from sqlalchemy import String, func, select, type_coerce

from ..extensions import db
from ..models import Event, Registration, Status
from ..registration.desk import fold

LIMIT = 15
#: Events whose index a worker keeps (several events in one install; the door of one or
#: two is open at a time).
KEPT = 8


@functools.lru_cache(maxsize=50_000)
def searchable(text: str) -> str:
    """Text as the door compares it: folded like the desk's search, plus its Latin
    spelling (anyascii) when that differs."""
    folded = fold(text)
    latin = anyascii(text).casefold()
    return folded if latin == folded else f"{folded} {latin}"


@dataclass(frozen=True)
class Entry:
    id: int
    text: str
    #: Sort order of the results: confirmed first, then family and given name, then id.
    rank: tuple


_indexes: dict[tuple, tuple[tuple, list[Entry]]] = {}
_lock = threading.Lock()


def _version(event: Event) -> tuple:
    """Changes whenever a registration of the event is added, changed or removed."""
    return tuple(db.session.execute(
        select(func.count(), func.max(Registration.updated_at))
        .where(Registration.event_id == event.id)).one())


def _build(event: Event) -> list[Entry]:
    rows = db.session.execute(
        select(Registration.id, Registration.given_name, Registration.family_name,
               Registration.badge_name, Registration.organisation,
               # As stored text: turning thousands of values into Status costs time.
               type_coerce(Registration.status, String).label("status"))
        .where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
    ).all()
    return [Entry(row.id,
                  searchable(" ".join(filter(None, (row.given_name, row.family_name,
                                                    row.badge_name, row.organisation)))),
                  (row.status != Status.CONFIRMED, fold(row.family_name),
                   fold(row.given_name), row.id))
            for row in rows]


def index(event: Event) -> list[Entry]:
    """The event's people as the search compares them, rebuilt when they changed."""
    # The database's address and the event's creation keep apart events of the same id
    # in different databases (the test suite reuses ids).
    key = (str(db.engine.url), event.id, event.created_at)
    version = _version(event)
    kept = _indexes.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    entries = _build(event)
    with _lock:
        _indexes.pop(key, None)
        _indexes[key] = (version, entries)
        while len(_indexes) > KEPT:
            _indexes.pop(next(iter(_indexes)))
    return entries


def people(event: Event, query: str, limit: int = LIMIT) -> list[Registration]:
    """The first `limit` people matching every word of `query`, best first."""
    terms = fold(query).split()
    if not terms:
        return []
    hits = heapq.nsmallest(
        limit, (e for e in index(event) if all(term in e.text for term in terms)),
        key=lambda e: e.rank)
    ids = [e.id for e in hits]
    if not ids:
        return []
    # Read fresh: check-in state, and anyone erased since the index was built.
    by_id = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.id.in_(ids),
                                   Registration.anonymised_at.is_(None)))}
    return [by_id[i] for i in ids if i in by_id]
