"""How long the pages after the event take for a 2,000-person conference, against /healthz.

Builds a fresh event in a temporary SQLite database: 2,000 confirmed registrations (and
200 not confirmed) from 24 countries and 60 organisations, every category, a gender
question answered, a third checked in (half of them on both days, with their check-in
records), 40 agenda items (10 panels) with 60 speakers, and a linked survey answered by
400 people with ratings of 10 sessions. Signs in as an administrator, then times GET
requests through the app (Flask's test client: no network, the server's own work): the
funder report's page, the survey's results page and spreadsheet; and, in one app context,
build_report() alone and the attendance sheets' figures (build_sheet: the PDF layout is
WeasyPrint's, measured by bench/badges.py). Prints for each the median and the 90th
percentile of --runs after --warmup, its ratio to /healthz and the SQL statements one
run takes.

Run it on another checkout's code (before/after a change) with PYTHONPATH pointing there:

    .venv/bin/python bench/reports.py [--runs 15] [--warmup 2] [--people 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desk import PASSWORD, login  # the desk bench's organiser and sign-in (bench/desk.py)
from sqlalchemy import event as sa_event
from sqlalchemy import select

from eventapp import create_app
from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    Category,
    CheckInAction,
    CheckInMethod,
    CheckInRecord,
    Event,
    ItemKind,
    Person,
    Question,
    QuestionKind,
    Registration,
    RoleKind,
    Status,
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
    SurveyStatus,
    UserRole,
)

SLUG = "bench-reports"
START = datetime(2030, 9, 16, 7, 0, tzinfo=UTC)
COUNTRIES = "BE FR GE KG MX JO PT PL GR DE UG AM BR SN MA TN NG KE IN PH TR UA US CV".split()
GENDERS = ["Woman", "woman", "Man", "Non-binary", "", "Prefer not to say"]


def build_event(people: int) -> None:
    """The event described in the module's docstring, committed; and an administrator."""
    rng = random.Random(2026)
    event = Event(
        slug=SLUG,
        title="Bench Reports Conference",
        timezone="Europe/Brussels",
        starts_at=START,
        ends_at=START + timedelta(days=1, hours=9),
        capacity=people,
        published=True,
    )
    db.session.add(event)
    gender = Question(
        event=event, kind=QuestionKind.SHORT_TEXT, label="Gender", reports_gender=True
    )
    db.session.add(gender)
    speakers = [
        Person(
            event=event,
            given_name="Ana",
            family_name=f"Speaker {n}",
            country=COUNTRIES[n % len(COUNTRIES)],
            organisation=f"Institute {n % 20}",
        )
        for n in range(60)
    ]
    db.session.add_all(speakers)
    items = []
    for n in range(40):
        panel = n % 4 == 0
        item = AgendaItem(
            event=event,
            kind=ItemKind.PANEL if panel else ItemKind.TALK,
            title=f"Session {n}",
            starts_at=START + timedelta(days=n % 2, minutes=15 * (n // 2)),
            ends_at=START + timedelta(days=n % 2, minutes=15 * (n // 2) + 45),
        )
        roles = [(RoleKind.MODERATOR, 0), (RoleKind.PANELLIST, 0), (RoleKind.PANELLIST, 1)]
        for offset, (role, position) in enumerate(roles if panel else [(RoleKind.SPEAKER, 0)]):
            person = speakers[(n + offset) % len(speakers)]
            db.session.add(AgendaRole(item=item, person=person, role=role, position=position))
        items.append(item)
    db.session.add_all(items)
    db.session.flush()

    registrations = []
    categories = [Category.PARTICIPANT] * 6 + list(Category)
    statuses = [Status.PENDING, Status.WAITLISTED, Status.CANCELLED]
    for n in range(people + people // 10):
        registration = Registration(
            event=event,
            given_name=f"Person {n}",
            family_name=f"Family {rng.randrange(10_000)}",
            email=f"person{n}@example.org",
            organisation=f"Ministry {n % 60}",
            country=rng.choice(COUNTRIES),
            category=rng.choice(categories),
            status=Status.CONFIRMED if n < people else statuses[n % 3],
            answers={str(gender.id): rng.choice(GENDERS)},
        )
        db.session.add(registration)
        if n < people:
            registrations.append(registration)
    db.session.flush()
    for n, registration in enumerate(registrations):
        if n % 3:
            continue
        registration.checked_in_at = START + timedelta(seconds=n)
        for day in (0, 1) if n % 2 else (0,):
            db.session.add(
                CheckInRecord(
                    event_id=event.id,
                    registration_id=registration.id,
                    action=CheckInAction.CHECK_IN,
                    method=CheckInMethod.QR,
                    at=START + timedelta(days=day, seconds=n),
                )
            )

    survey = Survey(event=event, title="How was it?", anonymous=False, status=SurveyStatus.CLOSED)
    survey.rated_items = items[:10]
    db.session.add(survey)
    kinds = [
        (SurveyQuestionKind.RATING, []),
        (SurveyQuestionKind.RECOMMENDATION, []),
        (SurveyQuestionKind.SINGLE_CHOICE, ["Talks", "People", "Food"]),
        (SurveyQuestionKind.LONG_TEXT, []),
    ]
    questions = [
        SurveyQuestion(survey=survey, position=n, kind=kind, label=f"Q{n}", choices=choices)
        for n, (kind, choices) in enumerate(kinds)
    ]
    db.session.add_all(questions)
    db.session.flush()
    answering = registrations[::3][: people // 5]
    responses = []
    for n in range(len(answering)):
        responses.append(
            SurveyResponse(
                id=uuid.uuid4(),
                survey_id=survey.id,
                answers={
                    str(questions[0].id): rng.randint(1, 5),
                    str(questions[1].id): rng.randint(0, 10),
                    str(questions[2].id): rng.choice(["Talks", "People", "Food"]),
                    str(questions[3].id): f"More coffee {n}",
                },
                ratings={
                    str(item.id): rng.randint(1, 5) for item in items[:10] if rng.random() < 0.7
                },
                answered_on=START.date(),
            )
        )
    db.session.add_all(responses)
    db.session.flush()  # the participations name the answers
    db.session.add_all(
        SurveyParticipation(
            survey_id=survey.id, registration_id=registration.id, response_id=response.id
        )
        for registration, response in zip(answering, responses, strict=True)
    )
    create_user("bench@example.org", PASSWORD, UserRole.ADMIN)
    db.session.commit()


def measure(engine, run: Callable[[], object], runs: int, warmup: int) -> tuple[list[float], int]:
    """Milliseconds per run (after the warm-up ones) and the SQL statements of one run."""
    statements = []

    def count(*_args):
        statements.append(1)

    for n in range(warmup + 1):
        if n == warmup:
            sa_event.listen(engine, "before_cursor_execute", count)
        try:
            run()
        finally:
            if n == warmup:
                sa_event.remove(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, len(statements)


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[8] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (2)")
    parser.add_argument("--people", type=int, default=2000, help="confirmed people (2000)")
    args = parser.parse_args()
    args.runs = max(2, min(args.runs, 200))

    with tempfile.TemporaryDirectory(prefix="eventapp-bench-") as tmp:
        os.environ["EVENTAPP_INSTANCE_PATH"] = tmp
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": secrets.token_hex(16),
                "SECOND_FACTOR_REQUIRED": "none",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            }
        )
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            build_event(args.people)
            built = time.perf_counter() - started
            engine = db.engine
        client = app.test_client()
        login(client)

        def get(url: str) -> Callable[[], object]:
            def run():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response.data

            return run

        def in_context(call: Callable[[Event], object]) -> Callable[[], object]:
            # A new session each run, as each request has.
            def run():
                with app.test_request_context():
                    call(db.session.scalar(select(Event).where(Event.slug == SLUG)))

            return run

        from eventapp.reports import attendance_sheet, funder

        manage = f"/manage/events/{SLUG}"
        cases = [
            ("GET /healthz", get("/healthz")),
            ("report page", get(f"{manage}/report")),
            ("build_report()", in_context(funder.build_report)),
            ("attendance sheet to sign", in_context(attendance_sheet.build_sheet)),
            (
                "attendance from check-ins",
                in_context(lambda e: attendance_sheet.build_sheet(e, "checkins")),
            ),
            ("survey results page", get(f"{manage}/survey/results")),
            ("survey results XLSX", get(f"{manage}/survey/results.xlsx")),
        ]
        print(
            f"{args.people} confirmed people, {args.people // 5} survey answers (built in "
            f"{built:.1f} s); {args.runs} runs after {args.warmup} warm-ups, SQLite"
        )
        print(f"{'what':28} {'median ms':>10} {'p90 ms':>8} {'x healthz':>10} {'SQL':>5}")
        baseline = None
        for name, run in cases:
            timings, statements = measure(engine, run, args.runs, args.warmup)
            median = statistics.median(timings)
            baseline = baseline or median
            print(
                f"{name:28} {median:10.1f} {p90(timings):8.1f} {median / baseline:10.1f} "
                f"{statements:5d}"
            )
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
