"""Every page of the app, read from its URL map: the HTML checks (tests/test_html_valid.py,
tests/browser/test_every_page_axe.py) visit all of them, so a new route is checked with
no change here.

URL variables are filled with the demo event's data; organiser pages are opened by an
administrator, the door's by a check-in volunteer, the rest anonymously, except those
that send an anonymous visitor to sign in: an administrator opens them.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from eventapp import create_app
from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    Event,
    MailRecord,
    MailStatus,
    Person,
    Question,
    QuestionKind,
    Registration,
    Room,
    UserRole,
)

#: Who opens a page, by the start of its endpoint; anyone else is anonymous.
ROLES = {"manage.": "admin", "checkin.": "door"}
#: Where private pages send anonymous visitors.
SIGN_IN = "/login"
ACCOUNTS = {
    "admin": ("admin@example.org", UserRole.ADMIN),
    "door": ("door@example.org", UserRole.CHECKIN),
}


@dataclass(frozen=True)
class Page:
    """One page to check: `name` names it in test ids, `url` is filled in later (the
    demo's ids are known only once it is loaded)."""

    name: str
    role: str | None
    endpoint: str
    rule: str = ""
    #: A POST that gives a page of its own (a form re-rendered with its errors).
    post: bool = False


def pages(app: Flask) -> list[Page]:
    """Every GET route of the URL map, plus the pages no GET route gives: the error
    pages and the sign-up form sent empty (422)."""
    found, rules = [], {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods:
            continue
        role = next((r for prefix, r in ROLES.items() if rule.endpoint.startswith(prefix)), None)
        found.append(Page(rule.endpoint, role, rule.endpoint, rule.rule))
        rules[rule.endpoint] = rule.rule
    return found + [
        Page("error.404", None, "error.404"),
        Page("error.403", "door", "error.403"),
        Page(
            "registration.register.422",
            None,
            "registration.register",
            rules["registration.register"],
            post=True,
        ),
    ]


def url_map_app() -> Flask:
    """An app to read the URL map from at collection time (no database is touched)."""
    return create_app(
        {"TESTING": True, "SECRET_KEY": "url-map", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


def event_values(event: Event, **more) -> dict:
    """A value for each variable of the URL map's rules, from the event's first item,
    speaker, room and registration (`more` adds or overrides). The access and header
    checks and the every-page checks all fill URLs from it."""

    def first(column, *where):
        return db.session.scalar(select(column).where(*where).order_by(column).limit(1))

    registration = db.session.get(
        Registration, first(Registration.id, Registration.event_id == event.id)
    )
    item = db.session.get(AgendaItem, first(AgendaItem.id, AgendaItem.event_id == event.id))
    return {
        "slug": event.slug,
        "item_id": item.id,
        "guid": item.guid,
        "person_id": first(Person.id, Person.event_id == event.id),
        "room_id": first(Room.id, Room.event_id == event.id),
        "registration_id": registration.id,
        "token": registration.token,
        "code": registration.checkin_code,
        "role": "panellist",
        "passkey_id": 1,
        "name": "none.jpg",
        "filename": "img/favicon.svg",
        **more,
    }


def fill(rule: str, values: dict) -> str:
    """The rule's path with each <variable> (or <converter:variable>) replaced."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


@contextmanager
def demo_world(app: Flask) -> Iterator[dict]:
    """The demo event loaded, one account per role, a question, a participant with a
    certificate; gives the values of every URL variable. Empties the tables after."""
    from eventapp.certificates.services import ensure_code, format_code
    from eventapp.demo.loader import load_demo
    from eventapp.models.types import utcnow

    from .conftest import PASSWORD, _empty_all_tables, close_db

    with app.app_context():
        # Upcoming, so that its sign-up form is open.
        load_demo(on=date.today() + timedelta(days=30), seats_left=1)
        users = {
            name: create_user(email, PASSWORD, role) for name, (email, role) in ACCOUNTS.items()
        }
        event = db.session.scalar(select(Event))
        event.managers.append(users["door"])  # on the door team
        question = Question(
            event=event,
            kind=QuestionKind.SHORT_TEXT,
            label="Arrival",
            help_text="By train or by plane?",
        )
        db.session.add(question)
        registration = db.session.scalar(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.email.is_not(None))
            .order_by(Registration.id)
            .limit(1)
        )
        registration.checked_in_at = utcnow()
        # E-mails waiting, retrying and failed: the desk shows their counts and links.
        for status in (MailStatus.QUEUED, MailStatus.RETRYING, MailStatus.FAILED):
            db.session.add(
                MailRecord(
                    event_id=event.id,
                    registration_id=registration.id,
                    kind="link",
                    recipient=registration.email,
                    status=status,
                )
            )
        # A retention period: the settings page says when the registrations go.
        event.retention_days = 365
        db.session.flush()
        # An item with speakers: its page lists them with their buttons.
        item = db.session.scalar(
            select(AgendaItem)
            .join(AgendaRole)
            .where(AgendaItem.event_id == event.id)
            .order_by(AgendaItem.id)
            .limit(1)
        )
        photo = db.session.scalar(select(Person.photo).where(Person.photo.is_not(None)).limit(1))
        values = event_values(
            event,
            item_id=item.id,
            guid=item.guid,
            registration_id=registration.id,
            question_id=question.id,
            token=registration.token,
            code=registration.checkin_code,
            certificate=format_code(ensure_code(registration)),
            name=photo or "none.jpg",
        )
        db.session.commit()
    try:
        yield values
    finally:
        with app.app_context():
            db.session.remove()
            _empty_all_tables()
            # Every pooled connection closed now, not when the app is collected (a
            # PostgreSQL connection left open then warns in whatever test runs).
            close_db()


def url(page: Page, values: dict) -> str:
    """The page's address with the demo's values in its variables."""
    if page.endpoint == "error.404":
        return "/no-such-page"
    if page.endpoint == "error.403":
        return f"/manage/events/{values['slug']}/"
    own = {"public.verify": {"code": values["certificate"]}}.get(page.endpoint, {})
    return fill(page.rule, {**values, **own})


def sends_to_sign_in(status: int, location: str | None) -> bool:
    """Whether an answer is the redirect to the sign-in page a private page gives
    anonymous visitors (then an administrator opens the page)."""
    return 300 <= status < 400 and urlsplit(location or "").path == SIGN_IN


def is_html(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip() == "text/html"
