"""The attendance sheets: to sign (the confirmed people by family name, per day) and from
the check-ins (the people checked in each day with their local times), as PDFs read back
from the command line and over HTTP, names in several scripts, hostile text escaped."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.core.folding import fold
from eventapp.extensions import db
from eventapp.models import (
    CheckInAction,
    CheckInMethod,
    CheckInRecord,
    Event,
    Registration,
    Status,
    User,
    UserRole,
)
from eventapp.reports import attendance_sheet as sheets

from . import factories
from .conftest import ORGANISER
from .pdfcheck import page_texts
from .pdftags import catalog, headings

HOSTILE = '<img src="http://127.0.0.1:9/x.png"> & <b>Org</b>'
DAY1 = datetime(2030, 5, 14, 7, 0, tzinfo=UTC)  # 09:00 in Brussels
#: (given, family, organisation, country)
PEOPLE = [
    ("Nino", "ბერიძე", "Public Service Hall", "GE"),
    ("Айгуль", "Асанова", "МВД", "KG"),
    ("José", "Álvarez", HOSTILE, "ES"),
    ("Anna", "Zimmer", "BAMF", "DE"),
    ("Zoë", "alvarez", "Ministry", "BE"),
]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def holds(text: str, words: str) -> bool:
    """Whether `words` are in `text` whatever the line breaks (a long word may wrap)."""
    return re.sub(r"\s+", "", words) in re.sub(r"\s+", "", text)


@pytest.fixture
def world(app, make_user):
    """A two-day event with five confirmed people, one pending, one erased; check-ins on
    both days, one of them undone."""
    make_user(ORGANISER, UserRole.ORGANISER)
    with app.app_context():
        event = factories.make_event(
            slug="forum",
            title="Forum 2030",
            starts_at=DAY1,
            ends_at=DAY1 + timedelta(days=1, hours=9),
            venue_name="Egmont Palace",
            venue_address="Rue aux Laines 8, Brussels",
        )
        event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
        people = {
            family: factories.make_registration(
                event, given_name=given, family_name=family, organisation=org, country=country
            )
            for given, family, org, country in PEOPLE
        }
        factories.make_registration(event, family_name="Pending", status=Status.PENDING)
        erased = factories.make_registration(event, family_name="Erased")
        erased.anonymised_at = DAY1
        erased.given_name = erased.family_name = ""
        db.session.flush()

        def record(family, at, action=CheckInAction.CHECK_IN, method=CheckInMethod.QR):
            db.session.add(
                CheckInRecord(
                    event_id=event.id,
                    registration_id=people[family].id,
                    action=action,
                    method=method,
                    at=at,
                )
            )

        record("ბერიძე", DAY1 + timedelta(minutes=5))  # 09:05 on day 1
        record("Álvarez", DAY1 + timedelta(minutes=17, seconds=30), method=CheckInMethod.SEARCH)
        record("Zimmer", DAY1 + timedelta(minutes=20))  # scanned by mistake...
        record("Zimmer", DAY1 + timedelta(minutes=21), CheckInAction.UNDO)  # ...and undone
        record("Асанова", DAY1 + timedelta(days=1, hours=1, minutes=2))  # 10:02 on day 2
        for family in ("ბერიძე", "Álvarez", "Асанова"):
            people[family].checked_in_at = DAY1
        db.session.commit()
    return "forum"


def pdf_of(runner, tmp_path, slug, *args) -> bytes:
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["attendance-sheet", slug, "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_sheet_to_sign_has_a_page_per_day_sorted_by_family_name(runner, tmp_path, world):
    pdf = pdf_of(runner, tmp_path, world)
    texts = [flat(t) for t in page_texts(pdf)]
    assert len(texts) == 2  # one page per day
    assert "Tuesday, 14 May 2030" in texts[0] and "Wednesday" not in texts[0]
    assert "Wednesday, 15 May 2030" in texts[1] and "Tuesday" not in texts[1]
    for text in texts:
        assert "ATTENDANCE SHEET" in text and "Forum 2030" in text  # in small capitals
        assert "Egmont Palace, Rue aux Laines 8, Brussels" in text
        assert "Signature" in text
        # Folded order: "Álvarez" and "alvarez" side by side (given name decides), Latin
        # before Cyrillic before Georgian, as search compares names.
        order = [text.index(name) for name in ("Álvarez", "alvarez", "Zimmer", "Асанова", "ბერიძე")]
        assert order == sorted(order), text
        assert "Pending" not in text
        assert "1 confirmed person whose personal data was erased is not listed." in text
        # Hostile text printed as typed, never fetched.
        assert holds(text, HOSTILE)
        assert holds(text, "Kyrgyzstan") and "Georgia" in text


def test_rows_are_in_the_apps_name_order(app, world):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        sheet = sheets.build_sheet(event)
        names = [row.family_name for row in sheet.days[0].rows]
        assert names == ["Álvarez", "alvarez", "Zimmer", "Асанова", "ბერიძე"]
        expected = sorted(
            db.session.scalars(
                select(Registration).where(
                    Registration.status == Status.CONFIRMED, Registration.anonymised_at.is_(None)
                )
            ),
            key=lambda r: (fold(r.family_name), fold(r.given_name), r.id),
        )
        assert names == [r.family_name for r in expected]


def test_sheet_from_checkins_gives_each_day_its_people_and_local_times(runner, tmp_path, world):
    pdf = pdf_of(runner, tmp_path, world, "--from-checkins")
    texts = [flat(t) for t in page_texts(pdf)]
    assert len(texts) == 2
    day1, day2 = texts
    assert "ATTENDANCE FROM CHECK-INS" in day1 and "Tuesday, 14 May 2030" in day1
    assert "Europe/Brussels" in day1
    # Local time at the event (UTC+2 in May), by family name.
    assert "09:17:30" in day1 and "09:05:00" in day1
    assert day1.index("Álvarez") < day1.index("ბერიძე")
    assert "found by name" in day1 and "badge scanned" in day1
    assert "Zimmer" not in day1  # the undone check-in is not evidence
    assert "Асанова" not in day1
    assert "Wednesday, 15 May 2030" in day2 and "Асанова" in day2 and "10:02:00" in day2
    assert "ბერიძე" not in day2


def test_tagged_and_titled(runner, tmp_path, world):
    pdf = pdf_of(runner, tmp_path, world)
    info = catalog(pdf)
    assert info["marked"] and info["pdfua"] == "1" and info["lang"] == "en"
    assert info["title"] == "Attendance sheet – Forum 2030"
    assert ("H1", "Forum 2030") in headings(pdf)


def test_no_url_is_fetched_for_hostile_text(app, world, caplog):
    caplog.set_level(logging.WARNING, logger="eventapp.printing.fetcher")
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        pdf = sheets.attendance_sheet_pdf(event)
    assert holds(page_texts(pdf)[0], HOSTILE)
    assert not [r for r in caplog.records if "refused" in r.getMessage()]


def test_over_http_for_organisers_only(client, world, sign_in):
    url = f"/manage/events/{world}/attendance-sheet.pdf"
    assert client.get(url).status_code == 302  # to sign in
    organiser = sign_in(ORGANISER)
    response = organiser.get(f"{url}?variant=checkins&lang=fr")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "forum-attendance-checkins.pdf" in response.headers["Content-Disposition"]
    text = flat(page_texts(response.data)[0])
    assert "mardi 14 mai 2030" in text and "ბერიძე" in text
    assert organiser.get(f"{url}?variant=nope").status_code == 404
    page = organiser.get(f"/manage/events/{world}/report").text
    assert f"{url}?variant=sign" in page and f"{url}?variant=checkins" in page


def test_demo_names_in_every_script(app, runner, tmp_path, demo):
    """The demo's Cyrillic and Georgian participants print and sort as the app sorts."""
    with app.app_context():
        people = db.session.scalars(
            select(Registration).where(Registration.status == Status.CONFIRMED)
        ).all()

        def script(low, high):
            return next(
                r
                for r in sorted(people, key=sheets.name_key)
                if r.family_name and low <= r.family_name[0] <= high
            )

        cyrillic = script("\u0400", "\u04ff")
        georgian = script("\u10a0", "\u10ff")
        latin = next(r for r in sorted(people, key=sheets.name_key) if r.family_name.isascii())
    text = flat(" ".join(page_texts(pdf_of(runner, tmp_path, demo))))
    positions = [text.index(r.family_name) for r in (latin, cyrillic, georgian)]
    assert positions == sorted(positions)
