"""Speakers' slides: checked, stored by random name, published per file, zipped.

An upload is kept only when what it says it is and what it is agree: the browser's
content type must be one of PDF, PPTX or ODP (or say nothing useful: octet-stream), and
the bytes must be that format: a PDF starts with ``%PDF-`` and ends with ``%%EOF``; a
PPTX is a ZIP holding ``[Content_Types].xml`` and ``ppt/presentation.xml``; an ODP is a
ZIP whose ``mimetype`` member names an OpenDocument presentation. An executable renamed
``talk.pdf`` is sent as application/pdf by the browser and refused by its bytes.

The size limit is PRESENTATION_MAX_BYTES (config); the upload is copied to the folder
while it is counted, so a large file is never held in memory, and stops at the limit.
Files live in ``<instance>/uploads/presentations/`` under 144 random bits, and are served
only through the views (public once published, to organisers always), as attachments
with the right type and a filename made from the title.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.core.changelog import record
from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, Person, Presentation, SlideFormat
from eventapp.models.presentation import MIMETYPES
from eventapp.models.types import utcnow

#: Content types browsers send when they do not know a file: the bytes decide alone.
UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
ODP_MIMETYPE = b"application/vnd.oasis.opendocument.presentation"
TOKEN_BYTES = 18
_NAME = re.compile(r"[A-Za-z0-9_-]{24}\.(?:pdf|pptx|odp)")
CHUNK = 256 * 1024

NOT_SLIDES = _l("This file is not a PDF, PowerPoint (PPTX) or OpenDocument (ODP) presentation.")


class PresentationError(ValueError):
    """An upload refused; str() of it is a sentence for the person who sent it."""


def max_bytes() -> int:
    return int(current_app.config["PRESENTATION_MAX_BYTES"])


def too_large_message(limit: int):
    megabytes = f"{limit / 1000 / 1000:g}"
    return _l("The file is larger than %(size)s MB.", size=megabytes)


def folder() -> Path:
    """Where slides live: <instance>/uploads/presentations."""
    return Path(current_app.instance_path) / "uploads" / "presentations"


def file_path(name: str) -> Path | None:
    """The stored file for a name, or None when the name is not one we make or is gone."""
    if not _NAME.fullmatch(name):
        return None
    path = folder() / name
    return path if path.is_file() else None


# --- Checking ---------------------------------------------------------------------------


def sniff(path: Path) -> SlideFormat | None:
    """The format the file's bytes are, whatever it is called; None for anything else."""
    with path.open("rb") as f:
        head = f.read(1024)
        if b"%PDF-" in head:
            # Readers allow a little junk before the header, and whitespace after %%EOF.
            f.seek(max(path.stat().st_size - 1024, 0))
            return SlideFormat.PDF if b"%%EOF" in f.read() else None
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
                return SlideFormat.PPTX
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                if archive.read("mimetype").strip() == ODP_MIMETYPE:
                    return SlideFormat.ODP
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def check(path: Path, content_type: str) -> SlideFormat:
    """The file's format when its bytes and its declared type agree; else PresentationError."""
    found = sniff(path)
    if found is None:
        raise PresentationError(NOT_SLIDES)
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared not in UNKNOWN_TYPES and declared != MIMETYPES[found]:
        raise PresentationError(
            _l("This file's type (%(type)s) does not match its content.", type=declared[:80])
        )
    return found


# --- Storing ----------------------------------------------------------------------------


def store(
    stream: BinaryIO, content_type: str, *, limit: int | None = None
) -> tuple[str, SlideFormat, int]:
    """Copy an upload into the folder, check it, keep it under a new random name.

    Returns (stored name, format, size); raises PresentationError and keeps nothing when
    the file is too large or not slides."""
    limit = max_bytes() if limit is None else limit
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    # The temporary name starts with a dot, so file_path() never serves it.
    fd, tmp = tempfile.mkstemp(dir=target, prefix=".upload-", suffix=".part")
    path = Path(tmp)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PresentationError(too_large_message(limit))
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise PresentationError(NOT_SLIDES)
        kind = check(path, content_type)
        name = f"{secrets.token_urlsafe(TOKEN_BYTES)}.{kind.value}"
        os.replace(path, target / name)
        return name, kind, size
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def delete_file(name: str) -> None:
    path = file_path(name)
    if path is not None:
        path.unlink(missing_ok=True)


def title_from_filename(filename: str) -> str:
    """A title for slides sent without one: the file's name without its extension."""
    stem = Path(filename.replace("\\", "/")).name.rsplit(".", 1)[0]
    return " ".join(stem.replace("_", " ").split())[:300]


# --- The rules --------------------------------------------------------------------------


def add(
    event: Event,
    item: AgendaItem,
    *,
    stored_name: str,
    format: SlideFormat,
    size: int,
    title: str,
    original_name: str,
    person: Person | None = None,
) -> Presentation:
    """Attach stored slides to an item, unpublished. No commit."""
    presentation = Presentation(
        event_id=event.id,
        item=item,
        person=person,
        title=title.strip()[:300] or title_from_filename(original_name) or item.title[:300],
        stored_name=stored_name,
        original_name=original_name[:255],
        format=format,
        size=size,
    )
    db.session.add(presentation)
    db.session.flush()
    record(
        event,
        "presentation",
        presentation.id,
        "create",
        _("Slides “%(title)s” added to “%(item)s”", title=presentation.title, item=item.title),
    )
    return presentation


def set_published(presentation: Presentation, published: bool) -> None:
    """Make slides public (or private again). No commit."""
    if published == presentation.published:
        return
    presentation.published_at = utcnow() if published else None
    message = (
        _("Slides “%(title)s” published", title=presentation.title)
        if published
        else _("Slides “%(title)s” unpublished", title=presentation.title)
    )
    record(presentation.item.event, "presentation", presentation.id, "update", message)


def remove(presentation: Presentation) -> str:
    """Delete the record; returns the stored name, whose file the view deletes after the
    commit. No commit."""
    name = presentation.stored_name
    record(
        presentation.item.event,
        "presentation",
        presentation.id,
        "delete",
        _("Slides “%(title)s” removed", title=presentation.title),
    )
    db.session.delete(presentation)
    return name


# --- Reading ----------------------------------------------------------------------------


def of_event(event: Event, *, published_only: bool) -> list[Presentation]:
    """The event's slides in agenda order (then as uploaded), with item and speaker."""
    query = (
        select(Presentation)
        .join(AgendaItem, AgendaItem.id == Presentation.item_id)
        .where(Presentation.event_id == event.id)
        .options(selectinload(Presentation.item), selectinload(Presentation.person))
        .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id, Presentation.id)
    )
    if published_only:
        query = query.where(Presentation.published_at.is_not(None))
    return list(db.session.scalars(query))


def by_item(presentations: Iterable[Presentation]) -> dict[int, list[Presentation]]:
    out: dict[int, list[Presentation]] = {}
    for presentation in presentations:
        out.setdefault(presentation.item_id, []).append(presentation)
    return out


def for_speaker(
    presentations: Iterable[Presentation], person: Person
) -> dict[int, list[Presentation]]:
    """Per item, the slides shown on a speaker's page: theirs and the item's own (no
    speaker given), not another speaker's."""
    return by_item(p for p in presentations if p.person_id in (None, person.id))


def last_change(presentations: Iterable[Presentation]) -> datetime | None:
    return max((p.published_at for p in presentations if p.published_at), default=None)


# --- Names of downloads -----------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(text: str, fallback: str = "presentation", limit: int = 120) -> str:
    """A file name made from a title: no path separators, control characters or the
    characters Windows forbids, NFC, trimmed, never empty; non-ASCII letters stay (the
    Content-Disposition header carries them as filename*, with an ASCII fallback)."""
    name = _UNSAFE.sub(" ", unicodedata.normalize("NFC", text or ""))
    name = " ".join(name.split()).strip(". ")[:limit].strip(". ")
    return name or fallback


def download_name(presentation: Presentation) -> str:
    return f"{safe_name(presentation.title)}.{presentation.format.value}"


def zip_entries(presentations: list[Presentation]) -> list[tuple[str, Presentation]]:
    """(name in the archive, slides): a folder per agenda item, numbered in agenda order
    ("03 Panel on labour migration/Slides of the chair.pdf"), each name once."""
    numbers: dict[int, int] = {}
    seen: set[str] = set()
    entries = []
    for presentation in presentations:
        number = numbers.setdefault(presentation.item_id, len(numbers) + 1)
        directory = f"{number:02d} {safe_name(presentation.item.title, 'item', 80)}"
        stem = safe_name(presentation.title, limit=80)
        name = f"{directory}/{stem}.{presentation.format.value}"
        copy = 2
        while name.casefold() in seen:
            name = f"{directory}/{stem} ({copy}).{presentation.format.value}"
            copy += 1
        seen.add(name.casefold())
        entries.append((name, presentation))
    return entries


#: (name in the archive, stored file, its date) of one file of the ZIP.
ZipFileEntry = tuple[str, Path, tuple[int, int, int, int, int, int]]


def zip_files(presentations: list[Presentation]) -> list[ZipFileEntry]:
    """What goes into the ZIP, read now (the archive itself is written later, outside
    the request's app context); slides whose file is gone are left out."""
    files = []
    for name, presentation in zip_entries(presentations):
        path = file_path(presentation.stored_name)
        if path is not None:
            files.append((name, path, _zip_time(presentation)))
    return files


def write_zip(files: list[ZipFileEntry], out: IO[bytes]) -> None:
    """The files into a ZIP written to `out`. Stored, not deflated: PDF, PPTX and ODP are
    compressed already."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, path, date_time in files:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_STORED
            try:
                with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
                    shutil.copyfileobj(source, target, CHUNK)
            except FileNotFoundError:  # deleted since zip_files() looked
                continue


def stream_zip(files: list[ZipFileEntry]) -> Iterator[bytes]:
    """The ZIP as chunks: built in a temporary file (fifty decks can weigh a gigabyte)
    when the first chunk is asked for, and removed once sent or abandoned."""
    with tempfile.TemporaryFile() as archive:
        write_zip(files, archive)
        archive.seek(0)
        while chunk := archive.read(CHUNK):
            yield chunk


def stream_file(path: Path) -> Iterator[bytes]:
    """A stored file as chunks, opened only when the first one is asked for and closed
    when the last is sent (or the client goes away)."""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def content_disposition(filename: str) -> dict[str, str]:
    """The parameters of an attachment's Content-Disposition, as Werkzeug's send_file
    writes them: an ASCII fallback and the real name as RFC 6266 filename*."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
        return {
            "filename": simple or "download",
            "filename*": "UTF-8''" + quote(filename, safe="!#$&+-.^_`|~"),
        }
    return {"filename": filename}


def _zip_time(presentation: Presentation) -> tuple[int, int, int, int, int, int]:
    moment = presentation.published_at or presentation.created_at
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)
