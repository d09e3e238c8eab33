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
    Job,
    JobStatus,
    MailRecord,
    MailStatus,
    OrganiserMessage,
    Person,
    Presentation,
    Question,
    QuestionKind,
    Registration,
    Room,
    Survey,
    SurveyQuestion,
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


def languages(page: Page) -> tuple[str, ...]:
    """The languages a page is checked in: every interface language for what the public
    sees; English and French for the organisers' and the door's pages, whose markup does
    not change with the language (two catch a translation that breaks a page or a check;
    four would double the suite's time for nothing more)."""
    from eventapp.config import LANGUAGES

    return tuple(LANGUAGES) if page.role is None else ("en", "fr")


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
    job_id = first(Job.id, Job.event_id == event.id) or example_job(event)
    presentation_id = first(
        Presentation.id, Presentation.event_id == event.id
    ) or example_presentation(event, item)
    return {
        **travel_values(event, registration),
        "slug": event.slug,
        "item_id": item.id,
        "guid": item.guid,
        "person_id": first(Person.id, Person.event_id == event.id),
        "room_id": first(Room.id, Room.event_id == event.id),
        "registration_id": registration.id,
        # The demo's draft message (eventapp/demo/mieux-impact-2024.toml).
        "message_id": first(OrganiserMessage.id, OrganiserMessage.event_id == event.id),
        # The demo's draft survey (eventapp/demo/mieux-impact-2024.toml).
        "survey_question_id": first(
            SurveyQuestion.id, SurveyQuestion.survey_id == Survey.id, Survey.event_id == event.id
        ),
        "token": registration.token,
        "code": registration.checkin_code,
        "role": "panellist",
        "passkey_id": 1,
        "name": "none.jpg",
        "filename": "img/favicon.svg",
        "job_id": job_id,
        "presentation_id": presentation_id,
        **more,
    }


def example_job(event: Event) -> int:
    """A finished badge run of the event with its PDF (committed): its id."""
    from eventapp.jobs import services

    job = Job(event=event, kind="badges", title="Badges: 4", status=JobStatus.RUNNING, total=4)
    db.session.add(job)
    db.session.flush()
    services.finish(job, b"%PDF-1.7\n", "badges.pdf", "application/pdf")
    return job.id


#: The smallest file every PDF reader opens: a page and nothing on it.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def example_presentation(event: Event, item: AgendaItem) -> int:
    """Published slides on the item (committed): its id. The agenda and speaker pages
    list them; the file and the ZIP open."""
    import io

    from eventapp.agenda import presentations
    from eventapp.models.types import utcnow

    name, kind, size = presentations.store(io.BytesIO(TINY_PDF), "application/pdf")
    slides = Presentation(
        event_id=event.id,
        item=item,
        person=item.roles[0].person if item.roles else None,
        title="Données probantes – Доказательства",
        stored_name=name,
        original_name="slides.pdf",
        format=kind,
        size=size,
        published_at=utcnow(),
    )
    db.session.add(slides)
    db.session.commit()
    return slides.id


def travel_values(event: Event, registration: Registration) -> dict:
    """An approved visa letter and an expense line with its receipt for the registration
    (made and committed once), so their pages and files open."""
    import io
    from datetime import date

    from PIL import Image

    from eventapp.core import crypto
    from eventapp.models import ClaimLine, ExpenseCategory, ExpenseClaim, LetterStatus, VisaLetter
    from eventapp.travel.claims import store_receipt

    letter = db.session.scalar(
        select(VisaLetter).where(VisaLetter.registration_id == registration.id)
    )
    if letter is None:
        png = io.BytesIO()
        Image.new("RGB", (40, 30), "white").save(png, "PNG")
        png.seek(0)
        letter = VisaLetter(
            event=event,
            registration=registration,
            status=LetterStatus.APPROVED,
            passport=crypto.encrypt_json(
                {
                    "passport_number": "XA1234567",
                    "passport_expiry": "2040-01-01",
                    "nationality": "UG",
                    "birth_date": "1980-01-01",
                }
            ),
            consulate_city="Kampala",
            stay_from=date(2024, 3, 11),
            stay_until=date(2024, 3, 13),
            covered=["travel"],
            number=99,
            code="0123456789ABCDEF",
            decided_at=event.starts_at,
        )
        claim = ExpenseClaim(event=event, registration=registration)
        line = ClaimLine(
            claim=claim,
            category=ExpenseCategory.TRAVEL,
            description="Train",
            amount=12,
            currency="EUR",
            receipt=store_receipt(png),
        )
        db.session.add_all([letter, claim, line])
        db.session.commit()
    line_id = db.session.scalar(
        select(ClaimLine.id).join(ExpenseClaim).where(ExpenseClaim.event_id == event.id)
    )
    return {"letter_id": letter.id, "line_id": line_id}


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
        _give_travel_support(registration)
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


def _give_travel_support(registration: Registration) -> None:
    """Approved support with a flight and a hotel stay booked, so that the pages and
    e-mails of the token's person show their travel form and itinerary."""
    from datetime import datetime

    from eventapp.models import HotelStay, SupportStatus, TravelSegment, TravelSupport
    from eventapp.travel.services import local_to_utc, support_of

    if support_of(registration) is not None:
        return
    day = registration.event.local(registration.event.starts_at).date() - timedelta(days=1)
    departs = datetime.combine(day, datetime.min.time()).replace(hour=8)
    support = TravelSupport(
        event=registration.event,
        registration=registration,
        status=SupportStatus.APPROVED,
        travel=True,
        accommodation=True,
        passport_name="GEHRKE LUKAS",
    )
    support.segments.append(
        TravelSegment(
            number="OS 351",
            from_code="VIE",
            from_place="Vienna",
            departs_local=departs,
            departs_tz="Europe/Vienna",
            departs_utc=local_to_utc(departs, "Europe/Vienna"),
            to_code="BRU",
            to_place="Brussels",
            arrives_local=departs + timedelta(hours=2),
            arrives_tz="Europe/Brussels",
        )
    )
    support.stays.append(
        HotelStay(hotel="Hôtel Mont des Arts", check_in=day, check_out=day + timedelta(days=2))
    )
    db.session.add(support)


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
