"""The public programme PDF, kept on disk and built again only when the agenda changes.

A booklet takes about a second to lay out, and on the day of the event everyone opens the
link, while the PDF changes only when the agenda does. So each PDF is stored under
``<instance>/cache/programme/`` with a fingerprint of what it shows in its name: the
agenda's revision (Event.agenda_revision), the language, the page size and the layout's
files; a fingerprint without a file is built once.

Several gunicorn workers share the folder: the one that builds a PDF holds a lock (flock)
on its event, language and size, so workers missing together wait for it instead of all
rendering; the file is written under a temporary name and renamed into place, so a reader
never sees half of it; and older versions are removed once the new one is there.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from eventapp.core.paths import ROOT
from eventapp.extensions import db
from eventapp.feeds.views import AGENDA_ENTITIES
from eventapp.models import AgendaItem, ChangeLogEntry, Event, Person
from eventapp.printing import programme

FOLDER = Path("cache") / "programme"
#: Raise when the booklet's Python code changes what it prints; edits to its template,
#: stylesheets and translations are noticed anyway (their sizes and times are in the
#: fingerprint).
LAYOUT_VERSION = 1
LAYOUT_FILES = (
    ROOT / "templates" / programme.TEMPLATE,
    ROOT / "templates" / programme.TAIL_TEMPLATE,
    *(
        ROOT / "static" / sheet
        for sheet in (programme.STYLESHEET, *programme.SIZE_STYLESHEETS.values())
    ),
)


@dataclass(frozen=True)
class Version:
    """What a programme PDF depends on, reduced to a name."""

    fingerprint: str
    size: str
    language: str


def programme_version(event: Event, *, language: str, size: str | None = None) -> Version:
    """The version of an event's programme as it would be printed now."""
    size = programme.programme_size(event, size)
    # A new release's template, stylesheets or translations make new PDFs too.
    catalogue = ROOT / "eventapp" / "translations" / language / "LC_MESSAGES" / "messages.mo"
    layout = [
        LAYOUT_VERSION,
        *(
            (path.stat().st_mtime_ns, path.stat().st_size)
            for path in (*LAYOUT_FILES, catalogue)
            if path.exists()
        ),
    ]
    # created_at: SQLite may give a deleted event's id to a new one.
    key = repr(
        (event.id, event.created_at.isoformat(), event.agenda_revision, layout, size, language)
    )
    return Version(hashlib.sha256(key.encode()).hexdigest()[:32], size, language)


def last_modified(event: Event) -> datetime:
    """The newest change to what the programme shows, for Last-Modified, in one query:
    the newest edit of the event, an item or a speaker, or logged agenda change (a
    deletion leaves no edit behind)."""
    row = db.session.execute(
        select(
            select(func.max(AgendaItem.updated_at))
            .where(AgendaItem.event_id == event.id)
            .scalar_subquery(),
            select(func.max(Person.updated_at))
            .where(Person.event_id == event.id)
            .scalar_subquery(),
            select(func.max(ChangeLogEntry.at))
            .where(ChangeLogEntry.event_id == event.id, ChangeLogEntry.entity.in_(AGENDA_ENTITIES))
            .scalar_subquery(),
        )
    ).one()
    return max(t for t in (event.updated_at, *row) if t is not None)


def cache_folder() -> Path:
    return Path(current_app.instance_path) / FOLDER


def cached_path(event: Event, version: Version) -> Path:
    """Where the PDF of this version is (or will be) stored."""
    return cache_folder() / f"{_stem(event, version)}-{version.fingerprint}.pdf"


def _stem(event: Event, version: Version) -> str:
    # The event's id, not its slug: a slug may change, and ids need no escaping.
    return f"{event.id}-{version.language}-{version.size}"


def programme_pdf(event: Event, version: Version) -> bytes:
    """The programme PDF of this version: read from the cache, or built and stored."""
    path = cached_path(event, version)
    pdf = _read(path)
    if pdf is not None:
        return pdf
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / f"{_stem(event, version)}.lock"):
        pdf = _read(path)  # built by another worker while this one waited
        if pdf is not None:
            return pdf
        pdf = programme.render_programme(event, size=version.size, language=version.language)
        _write_atomically(path, pdf)
        for old in folder.glob(f"{_stem(event, version)}-*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)
    return pdf


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@contextmanager
def _locked(path: Path):
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
