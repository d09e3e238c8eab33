"""After the event, pages and files cost the same number of SQL statements for 30 people
as for 300: the funder report (figures, page, PDF from the command line), the attendance
sheets, the survey's results (figures, page, spreadsheet) and the slides (organisers'
list, agenda, ZIP). A query per person (an N+1) makes the large event's count grow and
fails here, naming the statements that repeat.

What grows tenfold is people (every category, a dozen countries, a gender question),
check-ins (with undone ones, on two days), survey answers (with per-session ratings)
and slide decks; the agenda triples (10 to 30 items, a third of them panels, with their
speakers), and every item is rated. Equal counts are expected, not "a few more":
nothing here loads more than SQLAlchemy's selectinload batch (500 ids) of anything, so
no statement is legitimately repeated at the larger size.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select, update
from sqlalchemy import event as sa_event

from eventapp.agenda import presentations as slides
from eventapp.extensions import db
from eventapp.models import (
    Category,
    CheckInAction,
    CheckInMethod,
    CheckInRecord,
    Event,
    ItemKind,
    LoginSession,
    QuestionKind,
    RoleKind,
    Status,
    SurveyQuestionKind,
    SurveyStatus,
    User,
)
from eventapp.models.types import utcnow
from eventapp.printing.attendance_sheet import CHECKINS, SIGN, sheet_html
from eventapp.printing.funder_report import report_html
from eventapp.reports import attendance_sheet, funder
from eventapp.surveys import export
from eventapp.surveys import results as survey_results
from eventapp.surveys import services as surveys

from . import factories
from .conftest import ORGANISER
from .pages import TINY_PDF

SMALL, LARGE = 30, 300
COUNTRIES = ["BE", "FR", "GE", "KG", "MX", "JO", "PT", "PL", "UG", "AM", "BR", ""]
#: Few names (two spellings of one): the report's tables stay short at any size.
ORGANISATIONS = ["Fedasil", "fedasil", "МВД", "BAMF", "ILO", "IOM", "Le Soir", ""]
CATEGORIES = [Category.PARTICIPANT] * 4 + [
    Category.SPEAKER,
    Category.PRESS,
    Category.STAFF,
    Category.ORGANISER,
]
GENDERS = ["Woman", "woman", "Man", "Non-binary", "", "Prefer not to say"]


def build_event(slug: str, people: int) -> None:
    """A two-day event with `people` confirmed registrations and everything the pages
    after the event read (see the module docstring). Committed."""
    event = factories.make_event(
        slug=slug, ends_at=factories.START + timedelta(days=1, hours=9), capacity=people
    )
    event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
    gender = factories.make_question(
        event, kind=QuestionKind.SHORT_TEXT, label="Gender", reports_gender=True
    )
    sessions = max(10, people // 10)
    speakers = [
        factories.make_person(
            event, family_name=f"Speaker {n}", country=COUNTRIES[n % len(COUNTRIES)]
        )
        for n in range(sessions + 2)
    ]
    items = []
    for n in range(sessions):
        day = timedelta(days=n % 2, minutes=15 * (n // 2))
        panel = n % 3 == 0
        item = factories.make_item(
            event,
            title=f"Session {n}",
            kind=ItemKind.PANEL if panel else ItemKind.TALK,
            starts_at=event.starts_at + day,
        )
        if panel:
            factories.add_role(item, speakers[n], RoleKind.MODERATOR)
            factories.add_role(item, speakers[n + 1], RoleKind.PANELLIST, 0)
            factories.add_role(item, speakers[n + 2], RoleKind.PANELLIST, 1)
        else:
            factories.add_role(item, speakers[n], RoleKind.SPEAKER)
        items.append(item)
    db.session.flush()

    registrations = []
    for n in range(1, people + 1):
        registration = factories.make_registration(
            event,
            given_name=f"Person {n}",
            country=COUNTRIES[n % len(COUNTRIES)],
            category=CATEGORIES[n % len(CATEGORIES)],
            organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
            answers={str(gender.id): GENDERS[n % len(GENDERS)]},
        )
        if n % 25 == 0:
            registration.anonymised_at = factories.START + timedelta(days=400)
        registrations.append(registration)
    # Not counted anywhere: not confirmed.
    for status in (Status.PENDING, Status.WAITLISTED, Status.CANCELLED) * (people // 30):
        factories.make_registration(event, status=status)
    db.session.flush()

    def checkin(registration, at, action=CheckInAction.CHECK_IN):
        db.session.add(
            CheckInRecord(
                event_id=event.id,
                registration_id=registration.id,
                action=action,
                method=CheckInMethod.QR if registration.id % 2 else CheckInMethod.SEARCH,
                at=at,
            )
        )

    day1 = event.starts_at + timedelta(minutes=10)
    for n, registration in enumerate(registrations, start=1):
        if n % 3 == 0:  # came: on day 1, half of them on day 2 too
            checkin(registration, day1 + timedelta(seconds=n))
            if n % 2 == 0:
                checkin(registration, day1 + timedelta(days=1, seconds=n))
            registration.checked_in_at = day1 + timedelta(seconds=n)
        elif n % 5 == 0:  # a badge scanned by mistake, undone
            checkin(registration, day1 + timedelta(seconds=n))
            checkin(registration, day1 + timedelta(seconds=n + 30), CheckInAction.UNDO)

    survey = surveys.save_settings(event, None, {"title": "How was it?", "anonymous": False})
    db.session.flush()
    surveys.set_rated_items(survey, [item.id for item in items])
    questions = [
        surveys.add_question(survey, {"label": label, "kind": kind, "choices": choices})
        for label, kind, choices in (
            ("Overall", SurveyQuestionKind.RATING, []),
            ("Recommend", SurveyQuestionKind.RECOMMENDATION, []),
            ("Best part", SurveyQuestionKind.SINGLE_CHOICE, ["Talks", "People", "Food"]),
            ("Topics", SurveyQuestionKind.MULTIPLE_CHOICE, ["Labour", "Asylum", "Visas"]),
            ("Change", SurveyQuestionKind.LONG_TEXT, []),
            ("Again", SurveyQuestionKind.CHECKBOX, []),
        )
    ]
    db.session.flush()
    came = [r for n, r in enumerate(registrations, 1) if n % 3 == 0 and not r.anonymised_at]
    for n, registration in enumerate(came[: people // 5]):
        values = [
            1 + n % 5,
            n % 11,
            ["Talks", "People", "Food"][n % 3],
            ["Labour", "Visas"][: 1 + n % 2],
            f"More coffee {n}",
            n % 2 == 0,
        ]
        surveys.submit(
            survey,
            registration,
            {str(q.id): v for q, v in zip(questions, values, strict=True)},
            {str(item.id): 1 + (n + i) % 5 for i, item in enumerate(items) if (n + i) % 4},
        )
    survey.status = SurveyStatus.CLOSED

    for n in range(people // 10):
        name, kind, size = slides.store(io.BytesIO(TINY_PDF), "application/pdf")
        deck = slides.add(
            event,
            items[n % len(items)],
            stored_name=name,
            format=kind,
            size=size,
            title=f"Slides {n}",
            original_name=f"slides-{n}.pdf",
            person=speakers[n % len(speakers)] if n % 3 else None,
        )
        deck.published_at = factories.START if n % 4 else None
    db.session.commit()


@dataclass
class World:
    #: The organiser's signed-in test client.
    client: FlaskClient
    #: The app's engine, taken outside the measured blocks (pushing an app context
    #: there would give the code measured a session of its own).
    engine: Engine


@pytest.fixture
def world(app, organiser) -> World:
    """Two events, "small" (30 people) and "large" (300), managed by the signed-in
    organiser."""
    with app.test_request_context():
        build_event("small", SMALL)
        build_event("large", LARGE)
        # A sign-in's last_seen_at is written once a minute by whichever request comes
        # then (auth/sessions.py): seen "later" now, so none of the measured ones does.
        db.session.execute(update(LoginSession).values(last_seen_at=utcnow() + timedelta(hours=1)))
        db.session.commit()
        return World(organiser.client, db.engine)


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block, as their text."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def assert_same_count(measure: Callable[[str], list[str]], name: str) -> None:
    """Runs `measure` on each event once to warm what is cached per process or per event,
    then counts it on each: equal, else names the statements that ran more often at the
    large size."""
    measure("small")
    measure("large")
    small, large = measure("small"), measure("large")
    grown = Counter(large) - Counter(small)
    assert len(large) == len(small), (
        f"{name}: {len(small)} statements for {SMALL} people, {len(large)} for {LARGE};"
        f" repeated: {[(n, s[:200]) for s, n in grown.most_common(3)]}"
    )


def function_counter(
    app, world: World, call: Callable[[Event], object]
) -> Callable[[str], list[str]]:
    """Counts the statements of `call(event)` in a fresh session, as a request has."""

    def measure(slug: str) -> list[str]:
        with app.test_request_context():
            event = db.session.scalar(select(Event).where(Event.slug == slug))
            with counting(world.engine) as statements:
                call(event)
            db.session.remove()
        return statements

    return measure


def page_counter(world: World, url: str) -> Callable[[str], list[str]]:
    """Counts the statements of a GET of `url` ({slug} filled in), body read to its end."""

    def measure(slug: str) -> list[str]:
        with counting(world.engine) as statements:
            response = world.client.get(url.format(slug=slug))
            assert response.status_code == 200, (url, response.status_code)
            assert response.data
        return statements

    return measure


def test_funder_report(app, world, runner, tmp_path):
    with app.test_request_context():
        large = db.session.scalar(select(Event).where(Event.slug == "large"))
        report = funder.build_report(large)
        # The data is what the test means: every figure there at the large size.
        assert report.total.registered == LARGE and report.total.attended == LARGE // 3
        assert report.gender is not None and len(report.panels) == 10
        assert report.survey is not None and len(report.survey.sessions) == 30
    assert_same_count(
        function_counter(app, world, lambda e: report_html(funder.build_report(e))), "build_report"
    )
    assert_same_count(page_counter(world, "/manage/events/{slug}/report"), "page")

    def command(slug: str) -> list[str]:
        with counting(world.engine) as statements:
            result = runner.invoke(args=["report", slug, "-o", str(tmp_path / "r.pdf")])
            assert result.exit_code == 0, result.output
        return statements

    assert_same_count(command, "flask report")


@pytest.mark.parametrize("variant", [SIGN, CHECKINS])
def test_attendance_sheets(app, world, variant):
    """The sheets' figures and HTML: all their SQL (the PDF is laid out from them)."""
    with app.test_request_context():
        large = db.session.scalar(select(Event).where(Event.slug == "large"))
        sheet = attendance_sheet.build_sheet(large, variant)
        rows = [len(day.rows) for day in sheet.days]
        assert rows == ([LARGE - 12] * 2 if variant == SIGN else [96, 48]), rows
    assert_same_count(
        function_counter(
            app, world, lambda e: sheet_html(attendance_sheet.build_sheet(e, variant))
        ),
        variant,
    )


def test_survey_results(app, world):
    with app.test_request_context():
        large = db.session.scalar(select(Event).where(Event.slug == "large"))
        found = survey_results.results(surveys.survey_of(large))
        assert found.responses == LARGE // 5 and len(found.sessions) == 30
        assert all(result.by_category for result in found.questions[:2])
    assert_same_count(
        function_counter(app, world, lambda e: survey_results.results(surveys.survey_of(e))),
        "results",
    )
    assert_same_count(
        function_counter(app, world, lambda e: export.to_xlsx(surveys.survey_of(e))), "to_xlsx"
    )
    assert_same_count(page_counter(world, "/manage/events/{slug}/survey/results"), "page")
    assert_same_count(page_counter(world, "/manage/events/{slug}/survey/results.xlsx"), "XLSX")
    xlsx = world.client.get("/manage/events/large/survey/results.xlsx").data
    assert load_workbook(io.BytesIO(xlsx)).worksheets[0].max_row == 1 + LARGE // 5


def test_presentations(app, world):
    client = world.client
    zipped = client.get("/events/large/presentations.zip")
    assert zipped.status_code == 200 and zipped.data.startswith(b"PK")
    assert_same_count(
        function_counter(
            app, world, lambda e: slides.zip_files(slides.of_event(e, published_only=True))
        ),
        "zip_files",
    )
    assert_same_count(page_counter(world, "/events/{slug}/presentations.zip"), "ZIP")
    assert_same_count(page_counter(world, "/manage/events/{slug}/presentations"), "list")
    assert_same_count(page_counter(world, "/events/{slug}/agenda"), "agenda")
