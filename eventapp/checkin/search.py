"""Finding people at the door as a volunteer types: by name, badge name or organisation,
in any case, with or without accents, in their own script or spelt in Latin letters
("gogoladze" finds ნათია გოგოლაძე, "aynura" finds Айнура), people who may come in first.

Neither database can fold accents or spell Georgian in Latin letters portably, so the
matching is done in Python over every person of the event. Doing that from the rows at
each keystroke spends most of its time reading and folding them again, so each worker
keeps the event's folded names (an index) and, at each search, re-reads
only the registrations changed since (updated_at; a check-in changes a few): one
count/max(updated_at) query tells whether anything changed at all.
"""

from __future__ import annotations

import functools
import heapq
import threading
from dataclasses import dataclass
from datetime import datetime

from anyascii import anyascii
from sqlalchemy import String, func, select, type_coerce

from eventapp.core.folding import fold
from eventapp.extensions import db
from eventapp.models import Event, Registration, Status

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


@dataclass
class Index:
    #: Registrations of the event (erased ones included) when last read.
    count: int
    #: The newest updated_at then: rows changed since are read again.
    newest: datetime | None
    #: id -> entry, erased people left out.
    entries: dict[int, Entry]
    #: ids of every registration seen, erased ones included (to tell new rows).
    seen: set[int]


_indexes: dict[tuple, Index] = {}
_lock = threading.Lock()


def _rows(event: Event, since: datetime | None = None):
    query = select(
        Registration.id,
        Registration.given_name,
        Registration.family_name,
        Registration.badge_name,
        Registration.organisation,
        Registration.anonymised_at,
        Registration.updated_at,
        # As stored text: turning thousands of values into Status costs time.
        type_coerce(Registration.status, String).label("status"),
    ).where(Registration.event_id == event.id)
    if since is not None:
        # >=: a row changed in the same instant as the newest one read is read again.
        query = query.where(Registration.updated_at >= since)
    return db.session.execute(query).all()


def _entry(row) -> Entry:
    text = searchable(
        " ".join(filter(None, (row.given_name, row.family_name, row.badge_name, row.organisation)))
    )
    return Entry(
        row.id,
        text,
        (row.status != Status.CONFIRMED, fold(row.family_name), fold(row.given_name), row.id),
    )


def _apply(index: Index, rows) -> None:
    for row in rows:
        index.seen.add(row.id)
        if row.anonymised_at is None:
            index.entries[row.id] = _entry(row)
        else:
            index.entries.pop(row.id, None)
        if index.newest is None or row.updated_at > index.newest:
            index.newest = row.updated_at


def index(event: Event) -> list[Entry]:
    """The event's people as the search compares them: read in full once, then only
    the registrations changed (or added) since; in full again when some were deleted."""
    # The database's address and the event's creation keep apart events of the same id
    # in different databases (the test suite reuses ids).
    key = (str(db.engine.url), event.id, event.created_at)
    count, newest = db.session.execute(
        select(func.count(), func.max(Registration.updated_at)).where(
            Registration.event_id == event.id
        )
    ).one()
    kept = _indexes.get(key)
    if kept is not None and (kept.count, kept.newest) == (count, newest):
        return list(kept.entries.values())
    if kept is not None and newest is not None and kept.newest is not None:
        changed = _rows(event, since=kept.newest)
        added = {row.id for row in changed} - kept.seen
        if kept.count + len(added) == count:  # nothing deleted: the changes are enough
            with _lock:
                _apply(kept, changed)
                kept.count = count
            return list(kept.entries.values())
    fresh = Index(count=count, newest=None, entries={}, seen=set())
    _apply(fresh, _rows(event))
    with _lock:
        _indexes.pop(key, None)
        _indexes[key] = fresh
        while len(_indexes) > KEPT:
            _indexes.pop(next(iter(_indexes)))
    return list(fresh.entries.values())


def people(event: Event, query: str, limit: int = LIMIT) -> list[Registration]:
    """The first `limit` people matching every word of `query`, best first."""
    terms = fold(query).split()
    if not terms:
        return []
    hits = heapq.nsmallest(
        limit,
        (e for e in index(event) if all(term in e.text for term in terms)),
        key=lambda e: e.rank,
    )
    ids = [e.id for e in hits]
    if not ids:
        return []
    # Read fresh: check-in state, and anyone erased since the index was built.
    by_id = {
        r.id: r
        for r in db.session.scalars(
            select(Registration).where(
                Registration.id.in_(ids), Registration.anonymised_at.is_(None)
            )
        )
    }
    return [by_id[i] for i in ids if i in by_id]
