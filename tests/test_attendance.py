"""Live attendance for organisers: the numbers (checked in / expected, by category, walk-
ins), arrivals per local hour, the not-arrived list and its CSV, the page with its SVG
chart and its live fragment, and who may see it."""

import csv
import io
import re
from datetime import UTC, datetime

import lxml.html
import pytest
from sqlalchemy import select

from eventapp.checkin import attendance, services
from eventapp.extensions import db
from eventapp.models import Category, CheckInMethod, Event, Registration, Status, User, UserRole
from eventapp.models.types import utcnow

from .conftest import SignedIn
from .factories import make_event, make_registration

SLUG = "door-forum"
PAGE = f"/manage/events/{SLUG}/attendance"
CSV = f"{PAGE}/not-arrived.csv"


def at(hour: int, minute: int = 0, day: int = 14, month: int = 5) -> datetime:
    return datetime(2030, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def event_id(app, make_user) -> int:
    """An event in Brussels managed by manager@example.org (not signed in)."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug=SLUG)
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
        return event.id


@pytest.fixture
def manager(sign_in, event_id) -> SignedIn:
    return sign_in("manager@example.org")


def add(app, **kw) -> int:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        registration = make_registration(event, **kw)
        db.session.commit()
        return registration.id


def check_in(
    app,
    registration_id: int,
    email: str = "manager@example.org",
    method: CheckInMethod = CheckInMethod.QR,
) -> None:
    """Through the door's own service, as a volunteer's scan does."""
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        user = db.session.scalar(select(User).where(User.email == email))
        result = services.check_in(
            registration.event, registration.checkin_code, user, method=method
        )
        assert result.outcome == services.Outcome.CHECKED_IN
        db.session.commit()


def event_of(app) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == SLUG))


# --- Numbers ----------------------------------------------------------------------------


def test_summary_counts_only_confirmed_people(app, event_id):
    here = [add(app, checked_in_at=at(7, 30)) for _ in range(2)]
    add(app)
    add(app, category=Category.SPEAKER, checked_in_at=at(8))
    add(app, category=Category.SPEAKER)
    add(app, status=Status.WAITLISTED)
    add(app, status=Status.PENDING)
    add(app, status=Status.DECLINED)
    # Cancelled after being let in, and an erased registration: neither is expected.
    add(app, status=Status.CANCELLED, checked_in_at=at(7, 45))
    add(app, anonymised_at=at(6), email=None, given_name="", family_name="")
    with app.app_context():
        result = attendance.summary(event_of(app))
    assert (result.checked_in, result.expected, result.percent) == (3, 5, 60)
    assert result.missing == 2
    assert [
        (line.category, line.checked_in, line.expected, line.percent) for line in result.by_category
    ] == [(Category.PARTICIPANT, 2, 3, 66), (Category.SPEAKER, 1, 2, 50)]
    assert len(here) == 2


def test_categories_follow_the_enum_order_and_skip_empty_ones(app, event_id):
    add(app, category=Category.STAFF)
    add(app, category=Category.PRESS, checked_in_at=at(8))
    add(app, category=Category.PARTICIPANT)
    with app.app_context():
        lines = attendance.summary(event_of(app)).by_category
    assert [line.category for line in lines] == [
        Category.PARTICIPANT,
        Category.PRESS,
        Category.STAFF,
    ]


def test_percent_rounds_down_so_one_missing_is_not_all_here(app):
    assert attendance.percent(199, 200) == 99
    assert attendance.percent(0, 0) is None


def test_walk_ins_are_counted_among_those_checked_in(app, event_id):
    check_in(app, add(app))
    with app.app_context():
        event = event_of(app)
        user = db.session.scalar(select(User))
        services.register_walk_in(
            event, {"given_name": "Walk", "family_name": "In"}, Category.PARTICIPANT, user
        )
        db.session.commit()
        result = attendance.summary(event)
    assert (result.checked_in, result.expected, result.walk_ins) == (2, 2, 1)


# --- Arrivals ---------------------------------------------------------------------------


def test_arrivals_are_counted_per_local_hour_with_empty_hours_in_between(app, event_id):
    # Brussels is at UTC+2 in May: 07:30 UTC is 09:30 at the event.
    add(app, checked_in_at=at(7, 30))
    add(app, checked_in_at=at(7, 59))
    add(app, checked_in_at=at(8, 0))
    add(app, checked_in_at=at(11, 5))
    add(app)  # not here
    add(app, status=Status.CANCELLED, checked_in_at=at(13))  # not counted
    with app.app_context():
        slots = attendance.arrivals_by_hour(event_of(app))
    assert [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M"), s.count) for s in slots] == [
        ("09:00", "10:00", 2),
        ("10:00", "11:00", 1),
        ("11:00", "12:00", 0),
        ("12:00", "13:00", 0),
        ("13:00", "14:00", 1),
    ]
    assert str(slots[0].start.tzinfo) == "Europe/Brussels"


def test_no_arrivals_no_slots(app, event_id):
    add(app)
    with app.app_context():
        assert attendance.arrivals_by_hour(event_of(app)) == []


def test_the_hour_repeated_when_clocks_go_back_stays_two_bars(app, event_id):
    # 27 October 2030: Brussels goes from 03:00 CEST back to 02:00 CET at 01:00 UTC.
    add(app, checked_in_at=at(0, 30, day=27, month=10))  # 02:30 summer time
    add(app, checked_in_at=at(1, 30, day=27, month=10))  # 02:30 winter time
    add(app, checked_in_at=at(1, 40, day=27, month=10))
    with app.app_context():
        slots = attendance.arrivals_by_hour(event_of(app))
    assert [(s.start.strftime("%H:%M %Z"), s.count) for s in slots] == [
        ("02:00 CEST", 1),
        ("02:00 CET", 2),
    ]


def test_days_without_arrivals_are_left_out(app, event_id):
    # A badge tried out a week before, then the event morning: two short charts, not
    # a week of empty hours.
    add(app, checked_in_at=at(15, 10, day=7))
    add(app, checked_in_at=at(7, 30))
    add(app, checked_in_at=at(8, 30))
    with app.app_context():
        slots = attendance.arrivals_by_hour(event_of(app))
    assert [(s.start.strftime("%d %H:%M"), s.count) for s in slots] == [
        ("07 17:00", 1),
        ("14 09:00", 1),
        ("14 10:00", 1),
    ]
    assert [(day.day, len(day_slots)) for day, day_slots in attendance.by_day(slots)] == [
        (7, 1),
        (14, 2),
    ]


def test_each_day_gets_its_own_chart(app, manager):
    add(app, checked_in_at=at(15, 10, day=7))
    add(app, checked_in_at=at(7, 30))
    page = lxml.html.fromstring(manager.get(PAGE).text)
    assert [h.text for h in page.xpath("//h3")] == ["Tuesday, 7 May 2030", "Tuesday, 14 May 2030"]
    assert (
        page.get_element_by_id("arrivals-title-2").text
        == "Check-ins per hour, Tuesday, 14 May 2030"
    )
    assert len(page.xpath("//svg[@class='chart']")) == 2


def test_arrivals_per_quarter_hour(app, event_id):
    add(app, checked_in_at=at(7, 5))
    add(app, checked_in_at=at(7, 50))
    with app.app_context():
        slots = attendance.arrivals(event_of(app), minutes=15)
    assert [(s.start.strftime("%H:%M"), s.count) for s in slots] == [
        ("09:00", 1),
        ("09:15", 0),
        ("09:30", 0),
        ("09:45", 1),
    ]
    with pytest.raises(ValueError):
        attendance.arrivals(Event(timezone="UTC"), minutes=7)


def test_chart_bars_scale_to_the_busiest_hour():
    slots = [
        attendance.Slot(at(7), at(8), 7),
        attendance.Slot(at(8), at(9), 0),
        attendance.Slot(at(9), at(10), 2),
    ]
    chart = attendance.chart(slots)
    assert len(chart.bars) == 3
    # Grid lines at round numbers, the top one at or above the busiest hour: 0 2 4 6 8.
    assert [value for _y, value in chart.ticks] == [0, 2, 4, 6, 8]
    tallest, empty, small = chart.bars
    assert empty.height == 0 and empty.y == chart.baseline
    assert tallest.height == pytest.approx(small.height * 7 / 2)
    assert tallest.height < chart.baseline - chart.top + 0.01
    assert chart.bars[1].x > chart.bars[0].x + chart.bars[0].width


# --- Not arrived ------------------------------------------------------------------------


def test_not_arrived_is_sorted_by_family_then_given_name_ignoring_accents(app, event_id):
    add(app, given_name="Zoë", family_name="Ångström")
    add(app, given_name="Anna", family_name="Eder")
    add(app, given_name="Émile", family_name="Érdi")
    add(app, given_name="Bob", family_name="abel")
    add(app, given_name="Ada", family_name="Érdi")
    add(app, given_name="Here", family_name="Already", checked_in_at=at(8))
    add(app, given_name="Wait", family_name="Listed", status=Status.WAITLISTED)
    with app.app_context():
        people = attendance.not_arrived(event_of(app))
        names = [r.full_name for r in people]
    assert names == ["Bob abel", "Zoë Ångström", "Anna Eder", "Ada Érdi", "Émile Érdi"]


def read_csv(response) -> list[list[str]]:
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def test_not_arrived_csv(app, manager):
    add(
        app,
        given_name="Гульнара",
        family_name="Абдуллаева",
        organisation="Тбилиси",
        country="GE",
        email="gulnara@example.org",
    )
    add(
        app,
        given_name="Éloïse",
        family_name='=HYPERLINK("http://evil")',
        category=Category.SPEAKER,
        printed_at=at(6),
    )
    add(app, given_name="Arrived", checked_in_at=at(8))
    response = manager.get(CSV)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="{SLUG}-not-arrived.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = read_csv(response)
    assert header == [
        "Registration number",
        "Family name",
        "Given name",
        "Organisation",
        "Category",
        "E-mail",
        "Country",
        "Badge printed",
    ]
    assert len(rows) == 2
    by_given = {row[2]: row for row in rows}
    assert by_given["Гульнара"][1:] == [
        "Абдуллаева",
        "Гульнара",
        "Тбилиси",
        "Participant",
        "gulnara@example.org",
        "Georgia",
        "no",
    ]
    # A spreadsheet would run it: the same apostrophe as the registrations export.
    assert by_given["Éloïse"][1] == '\'=HYPERLINK("http://evil")'
    assert by_given["Éloïse"][4:] == ["Speaker", by_given["Éloïse"][5], "", "yes"]
    assert rows[0][0].isdigit()


def test_not_arrived_of_one_category(app, manager):
    add(app, given_name="Pat", family_name="Participant")
    add(app, given_name="Sam", family_name="Speaker", category=Category.SPEAKER)
    page = manager.get(f"{PAGE}?category=speaker").text
    listed = page.split('id="not-arrived-list"')[1]
    assert "Speaker, Sam" in listed and "Participant, Pat" not in listed
    response = manager.get(f"{CSV}?category=speaker")
    assert [row[1] for row in read_csv(response)[1:]] == ["Speaker"]
    assert "-not-arrived-speaker.csv" in response.headers["Content-Disposition"]
    # Nonsense is "every category", not an error.
    assert len(read_csv(manager.get(f"{CSV}?category=bogus"))) == 3


# --- The page ---------------------------------------------------------------------------


def test_the_page_shows_the_numbers_the_chart_and_who_is_missing(app, manager):
    first = add(app, given_name="Irakli", family_name="Beridze", organisation="MIEUX")
    add(app, checked_in_at=at(7, 30))
    add(app, checked_in_at=at(9, 10))
    add(app, category=Category.SPEAKER, given_name="Nino", family_name="Kapanadze")
    add(app, status=Status.WAITLISTED, given_name="Wait", family_name="Listed")
    response = manager.get(PAGE)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = lxml.html.fromstring(response.text)
    total = " ".join(page.xpath("//p[@class='attendance-total']")[0].text_content().split())
    assert total == "2 checked in of 4 expected (50%)"
    categories = page.get_element_by_id("attendance-by-category")
    assert [
        " ".join(td.text_content().split())
        for td in categories.xpath(".//tbody/tr[@data-category='speaker']/td")
    ] == ["0", "1", "0%", "1"]

    svg = page.get_element_by_id("arrivals-chart-1")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "arrivals-title-1 arrivals-desc-1"
    # 09:30 and 11:10 in Brussels: three hours, the middle one empty.
    bars = svg.xpath(".//rect[@class='chart__bar']")
    assert [bar.get("data-count") for bar in bars] == ["1", "0", "1"]
    assert page.get_element_by_id("arrivals-title-1").text == "Check-ins per hour"
    assert (
        page.get_element_by_id("arrivals-desc-1").text
        == "09:00 to 10:00: 1; 10:00 to 11:00: 0; 11:00 to 12:00: 1"
    )
    labels = [t.text for t in svg.xpath(".//text[@class='chart__label']")]
    assert labels == ["09:00", "10:00", "11:00"]
    table = page.get_element_by_id("arrivals-data-1")
    assert [[c.text_content() for c in row] for row in table.xpath(".//tbody/tr")] == [
        ["09:00–10:00", "1"],
        ["10:00–11:00", "0"],
        ["11:00–12:00", "1"],
    ]

    missing = page.get_element_by_id("not-arrived-list")
    assert [a.text_content() for a in missing.xpath(".//tbody/tr/td[1]/a")] == [
        "Beridze, Irakli",
        "Kapanadze, Nino",
    ]
    link = missing.xpath(".//tbody/tr/td[1]/a")[0].get("href")
    assert link == f"/manage/events/{SLUG}/registrations/{first}"
    assert manager.get(link).status_code == 200
    assert page.xpath(f"//a[@href='{CSV}']")
    assert page.xpath("//script[starts-with(@src, '/static/js/attendance.')]")


def test_an_event_without_anyone_expected_reads_plainly(app, manager):
    page = manager.get(PAGE).text
    assert "Nobody is expected yet" in page
    assert "Nobody has been checked in yet." in page
    assert "<svg" not in page


def test_latest_check_ins_say_who_when_and_how(app, manager, make_user):
    make_user("door@example.org", UserRole.CHECKIN)
    check_in(
        app,
        add(app, given_name="Tamar", family_name="Gelashvili"),
        email="door@example.org",
        method=CheckInMethod.SEARCH,
    )
    check_in(app, add(app, given_name="Levan", family_name="Tsiklauri"))
    with app.app_context():
        records = attendance.latest(event_of(app))
        assert [r.registration.given_name for r in records] == ["Levan", "Tamar"]
        moment = records[0].at
    assert abs((utcnow() - moment).total_seconds()) < 60
    rows = (
        lxml.html.fromstring(manager.get(PAGE).text)
        .get_element_by_id("latest-checkins")
        .xpath(".//tbody/tr")
    )
    cells = [[" ".join(td.text_content().split()) for td in row] for row in rows]
    assert re.fullmatch(r"\d\d:\d\d:\d\d", cells[0][0])
    assert cells[0][1:] == ["Levan Tsiklauri", "badge scanned", "manager@example.org"]
    assert cells[1][1:] == ["Tamar Gelashvili", "found by name", "door@example.org"]


def test_the_live_fragment_is_the_live_part_only(app, manager):
    add(app, checked_in_at=at(7, 30), given_name="Here")
    add(app, given_name="Missing", family_name="Person")
    response = manager.get(f"{PAGE}?fragment=1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.text
    assert "<html" not in body and "manage-nav" not in body
    assert body.lstrip().startswith("<section")
    assert 'class="attendance-total"' in body and 'id="arrivals-chart-1"' in body
    assert "not-arrived-list" not in body and "Missing" not in body
    # The full page wraps the same markup in the element the script refreshes.
    page = lxml.html.fromstring(manager.get(PAGE).text)
    live = page.get_element_by_id("attendance-live")
    assert live.get("data-refresh-url") == f"{PAGE}?fragment=1"
    assert live.xpath(".//*[@id='arrivals-chart-1']")


def test_the_page_and_its_numbers_in_french(app, manager):
    add(app, checked_in_at=at(7, 30))
    response = manager.get(f"{PAGE}?lang=fr")
    assert response.status_code == 200
    assert 'id="arrivals-chart-1"' in response.text


# --- Who may see it ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE, f"{PAGE}?fragment=1", CSV])
def test_check_in_volunteers_get_403_even_on_their_own_event(
    app, client, sign_in, event_id, make_user, url
):
    user_id = make_user("door@example.org", UserRole.CHECKIN)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    sign_in("door@example.org")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_organisers_of_another_event_get_403(app, client, sign_in, event_id, make_user, url):
    user_id = make_user("other@example.org", UserRole.ORGANISER)
    with app.app_context():
        other = make_event(slug="elsewhere")
        other.managers.append(db.session.get(User, user_id))
        db.session.commit()
    sign_in("other@example.org")
    assert client.get(url).status_code == 403
    assert client.get("/manage/events/elsewhere/attendance").status_code == 200


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_anonymous_visitors_are_sent_to_login(client, event_id, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_admins_see_every_event(app, client, sign_in, event_id):
    sign_in("admin@example.org", role=UserRole.ADMIN)
    assert client.get(PAGE).status_code == 200
    assert client.get(CSV).status_code == 200
