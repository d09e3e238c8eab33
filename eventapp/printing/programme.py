"""The programme booklet: what it contains, laid out as an A5 (or A4) PDF.

programme_for() gathers the content (agenda by day, panels, speakers with their sessions),
programme_html() fills templates/print/programme.html in a given language, and
render_programme() turns it into a PDF through render.py (our fonts, our fetcher).

The booklet is printed folded, so its page count is made a multiple of four (two for A4
sheets): the main document is laid out first, then the "Notes" pages and the back cover
that fill it up are laid out as a second document numbered on from the first, and the
pages of both are written as one PDF (each font embedded once).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from eventapp.core.folding import fold
from eventapp.models import AgendaItem, Event, ItemKind, Person, RoleKind
from eventapp.models.queries import agenda

#: Page sizes in mm, portrait.
SIZES = {"A5": (148.0, 210.0), "A4": (210.0, 297.0)}
DEFAULT_SIZE = "A5"
#: A booklet of folded A4 sheets (A5 pages) has 4 pages a sheet; A4 is printed double-sided.
PAGES_PER_SHEET = {"A5": 4, "A4": 2}
#: Ruled lines that fill a "Notes" page below its heading.
NOTES_LINES = {"A5": 19, "A4": 28}
TEMPLATE = "print/programme.html"
TAIL_TEMPLATE = "print/programme_tail.html"
STYLESHEET = "css/print/programme.css"
SIZE_STYLESHEETS = {"A5": "css/print/programme-a5.css", "A4": "css/print/programme-a4.css"}

#: How people are grouped under an item, in print order (as on the public agenda).
ROLE_GROUPS = (
    (RoleKind.CHAIR, _l("Chair"), _l("Chairs")),
    (RoleKind.MODERATOR, _l("Moderator"), _l("Moderators")),
    (RoleKind.PANELLIST, _l("Panellist"), _l("Panellists")),
    (RoleKind.SPEAKER, _l("Speaker"), _l("Speakers")),
)


def programme_size(event: Event, size: str | None = None) -> str:
    """The page size asked for, else the event's setting, else A5 (anything unknown: A5)."""
    chosen = size or (event.print_settings or {}).get("programme_size") or ""
    chosen = str(chosen).strip().upper()
    return chosen if chosen in SIZES else DEFAULT_SIZE


@dataclass
class Session:
    """One agenda item with its people grouped by role (empty groups left out)."""

    item: AgendaItem
    #: [(label, [Person, ...]), ...] in ROLE_GROUPS order, the label singular or plural.
    groups: list[tuple[Any, list[Person]]]

    @property
    def is_panel(self) -> bool:
        # A "talk" with panellists is a panel in all but name: it gets its page too.
        return self.item.kind == ItemKind.PANEL or bool(self.item.panellists)


@dataclass
class Speaker:
    person: Person
    photo: str
    #: The sessions they take part in, by time, with their role in each.
    sessions: list[tuple[Session, RoleKind]] = field(default_factory=list)


@dataclass
class Programme:
    event: Event
    size: str
    days: list[tuple[date, list[Session]]]
    panels: list[Session]
    speakers: list[Speaker]
    logo: str
    rooms: int
    #: The newest change to the event, its items or their people.
    modified: datetime

    @property
    def sessions(self) -> list[Session]:
        return [session for _, sessions in self.days for session in sessions]


def programme_for(event: Event, size: str | None = None) -> Programme:
    """Everything the booklet shows, read in three queries (items, rooms, people)."""
    items = agenda(event)
    sessions = [Session(item, _groups(item)) for item in items]
    days = [
        (day, list(group))
        for day, group in groupby(sessions, key=lambda s: event.local(s.item.starts_at).date())
    ]
    speakers: dict[int, Speaker] = {}
    roles = defaultdict(list)
    for session in sessions:
        for role in sorted(session.item.roles, key=lambda r: r.position):
            if role.person_id not in speakers:
                speakers[role.person_id] = Speaker(role.person, _photo_url(role.person))
            roles[role.person_id].append((session, role.role))
    for person_id, speaker in speakers.items():
        speaker.sessions = roles[person_id]
    return Programme(
        event=event,
        size=programme_size(event, size),
        days=days,
        panels=[s for s in sessions if s.is_panel],
        speakers=sorted(speakers.values(), key=lambda s: _name_key(s.person)),
        logo=_upload_url(event.logo) if event.logo else "",
        rooms=len({item.room_id for item in items if item.room_id}),
        modified=max(
            [
                event.updated_at,
                *(i.updated_at for i in items),
                *(s.person.updated_at for s in speakers.values()),
            ]
        ),
    )


def _groups(item: AgendaItem) -> list[tuple[Any, list[Person]]]:
    groups = []
    for kind, singular, plural in ROLE_GROUPS:
        people = item.people_in(kind)
        if people:
            groups.append((singular if len(people) == 1 else plural, people))
    return groups


def _name_key(person: Person) -> tuple:
    return (fold(person.family_name or person.given_name), fold(person.given_name), person.id)


def _upload_url(path: str) -> str:
    """The URL of an upload for WeasyPrint, or "" when the file is gone (a deleted logo or
    photo leaves the booklet without it, not a warning per page)."""
    from eventapp.printing.fetcher import app_fetcher, upload_url

    url = upload_url(path)
    return url if app_fetcher().resolve(url) else ""


def _photo_url(person: Person) -> str:
    return _upload_url(f"photos/{person.photo}") if person.photo else ""


def programme_html(programme: Programme, language: str) -> str:
    """The booklet's HTML in the given language (labels, dates and the lang attribute)."""
    # W3C dates for the PDF's metadata: the same agenda gives the same dates, whenever
    # it is printed.
    dates = {
        "created": programme.event.created_at.isoformat(timespec="seconds"),
        "modified": programme.modified.isoformat(timespec="seconds"),
    }
    with force_locale(language):
        return render_template(
            TEMPLATE, p=programme, event=programme.event, language=language, **dates
        )


def tail_html(programme: Programme, language: str, *, first_page: int, notes: int) -> str:
    """The pages that fill the booklet up: ``notes`` pages for notes, then the back cover,
    numbered from ``first_page``."""
    with force_locale(language):
        return render_template(
            TAIL_TEMPLATE,
            p=programme,
            event=programme.event,
            language=language,
            first_page=first_page,
            notes=notes,
            notes_lines=NOTES_LINES[programme.size],
        )


def render_programme(
    event: Event, *, size: str | None = None, language: str | None = None
) -> bytes:
    """The programme booklet of an event as a PDF."""
    from eventapp.printing import render

    language = language or current_app.config["LANGUAGES"][0]
    programme = programme_for(event, size)
    stylesheets = [STYLESHEET, SIZE_STYLESHEETS[programme.size]]
    with render.fewer_collections():
        main = render.render_document(programme_html(programme, language), stylesheets=stylesheets)
        pages = len(main.pages)
        per_sheet = PAGES_PER_SHEET[programme.size]
        # At least the back cover; notes pages fill the last sheet before it.
        notes = -(pages + 1) % per_sheet
        tail = render.render_document(
            tail_html(programme, language, first_page=pages + 1, notes=notes),
            stylesheets=stylesheets,
        )
        return render.write_pdf(render.join_documents([main, tail]), variant=render.ACCESSIBLE)
