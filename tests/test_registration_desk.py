"""The organisers' registration desk over HTTP: counts, search, filters, pages, one
registration's page and its log, status changes, adding by hand, bulk actions, and the
`anonymise` command."""

import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import Category, ChangeLogEntry, Event, Registration, Status, User, UserRole

from .factories import make_event, make_registration

SLUG = "desk-forum"
DESK = f"/manage/events/{SLUG}/registrations"


@pytest.fixture
def organiser(app, make_user, sign_in):
    """A manager of an empty event (capacity 3), signed in."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug=SLUG, capacity=3)
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    return sign_in("manager@example.org")


def add(app, **kw) -> int:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        registration = make_registration(event, **kw)
        db.session.commit()
        return registration.id


def get(app, registration_id: int) -> Registration:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        db.session.expunge(registration)
        return registration


def names(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", n).strip() for n in re.findall(r'class="desk-name">([^<]+)</a>', page)
    ]


def count(page: str, key: str) -> str:
    return re.search(rf'data-count="{key}">([^<]+)<', page).group(1).strip()


def test_counts_at_a_glance(app, client, organiser):
    for _ in range(3):
        add(app, country="BE", counts_towards_capacity=True)
    add(app, category=Category.SPEAKER, counts_towards_capacity=False, country="GE")
    add(app, status=Status.WAITLISTED)
    add(app, status=Status.WAITLISTED)
    add(app, status=Status.PENDING)
    add(app, status=Status.CANCELLED, country="BE")
    page = client.get(DESK).text
    assert count(page, "public-confirmed") == "3 / 3"
    assert count(page, "confirmed") == "4"
    assert count(page, "waitlisted") == "2"
    assert count(page, "pending") == "1"
    assert count(page, "cancelled") == "1"
    by_category = page.split('id="by-category"')[1].split("</table>")[0]
    assert re.search(r"Participant</th><td>3<", by_category)
    assert re.search(r"Speaker</th><td>1<", by_category)
    by_country = page.split('id="by-country"')[1].split("</table>")[0]
    assert re.search(r"Belgium</th><td>3<", by_country)  # the cancelled one is not there
    assert re.search(r"Georgia</th><td>1<", by_country)


def test_search_ignores_case_and_accents(app, client, organiser):
    add(app, given_name="José", family_name="Núñez", organisation="INM")
    add(app, given_name="Jose", family_name="Smith")
    add(app, given_name="Гульнара", family_name="Абдыкадырова", country="KG")
    add(
        app,
        given_name="Anna",
        family_name="Müller",
        organisation="Ministère de l'Intérieur",
        email="anna@interieur.example.fr",
    )
    add(app, given_name="ნინო", family_name="ბერიძე")
    assert names(client.get(DESK, query_string={"q": "jose"}).text) == [
        "Núñez, José",
        "Smith, Jose",
    ]
    assert names(client.get(DESK, query_string={"q": "NUNEZ"}).text) == ["Núñez, José"]
    assert names(client.get(DESK, query_string={"q": "josé núñez"}).text) == ["Núñez, José"]
    assert names(client.get(DESK, query_string={"q": "Гульнара"}).text) == [
        "Абдыкадырова, Гульнара"
    ]
    assert names(client.get(DESK, query_string={"q": "гульнара"}).text) == [
        "Абдыкадырова, Гульнара"
    ]
    assert names(client.get(DESK, query_string={"q": "ნინო"}).text) == ["ბერიძე, ნინო"]
    assert names(client.get(DESK, query_string={"q": "ministere"}).text) == ["Müller, Anna"]
    assert names(client.get(DESK, query_string={"q": "INTERIEUR.EXAMPLE"}).text) == ["Müller, Anna"]
    page = client.get(DESK, query_string={"q": "nobody"}).text
    assert names(page) == [] and "No registration matches." in page


def test_filters(app, client, organiser):
    add(app, given_name="Waiting", family_name="A", status=Status.WAITLISTED)
    add(app, given_name="Speaker", family_name="B", category=Category.SPEAKER)
    add(app, given_name="Kyrgyz", family_name="C", country="KG")
    add(
        app,
        given_name="Arrived",
        family_name="D",
        checked_in_at=datetime(2030, 5, 14, 7, 5, tzinfo=UTC),
    )

    def shown(**args):
        return names(client.get(DESK, query_string=args).text)

    assert shown(status="waitlisted") == ["A, Waiting"]
    assert shown(category="speaker") == ["B, Speaker"]
    assert shown(country="KG") == ["C, Kyrgyz"]
    assert shown(checked_in="yes") == ["D, Arrived"]
    assert shown(checked_in="no") == ["A, Waiting", "B, Speaker", "C, Kyrgyz"]
    assert shown(status="confirmed", category="participant", checked_in="no") == ["C, Kyrgyz"]
    assert shown(status="nonsense") == shown()  # a value that means nothing is ignored


def test_sorting_and_pagination(app, client, organiser):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        start = datetime(2030, 1, 1, tzinfo=UTC)
        for n in range(120):
            make_registration(
                event,
                given_name="P",
                family_name=f"Person {n:03d}",
                organisation=f"Org {119 - n:03d}",
                created_at=start + timedelta(hours=n),
            )
        db.session.commit()
    page1 = client.get(DESK).text
    assert "120 registrations" in page1 and "page 1 of 3" in page1
    assert len(names(page1)) == 50 and names(page1)[0] == "Person 000, P"
    page3 = client.get(DESK, query_string={"page": 3}).text
    assert len(names(page3)) == 20 and names(page3)[-1] == "Person 119, P"
    assert 'rel="prev"' in page3 and 'rel="next"' not in page3
    descending = client.get(DESK, query_string={"sort": "name", "dir": "desc"}).text
    assert names(descending)[0] == "Person 119, P"
    by_org = client.get(DESK, query_string={"sort": "organisation"}).text
    assert names(by_org)[0] == "Person 119, P"  # Org 000
    by_date = client.get(DESK, query_string={"sort": "date", "dir": "desc", "page": 2}).text
    assert names(by_date)[0] == "Person 069, P"
    # Filters and sorting survive in the page links.
    assert "sort=date" in by_date and "dir=desc" in by_date and "page=3" in by_date
    assert client.get(DESK, query_string={"page": 99}).status_code == 200  # the last page


def test_detail_edit_is_logged(app, client, organiser):
    rid = add(app, given_name="Nino", family_name="Beridze", organisation="Old Org")
    url = f"{DESK}/{rid}"
    page = client.get(url).text
    assert 'value="Old Org"' in page
    response = organiser.post(
        url,
        data={
            "honorific": "Dr",
            "given_name": "  Nino ",
            "family_name": "Beridze",
            "email": "nino@example.ge",
            "organisation": "New Org",
            "job_title": "",
            "country": "GE",
            "category": "speaker",
            "dietary": "vegan",
            "dietary_other": "",
            "accessibility": "",
            "badge_name": "",
        },
    )
    assert response.status_code == 302
    registration = get(app, rid)
    assert (
        registration.organisation,
        registration.country,
        registration.category,
        registration.dietary,
        registration.honorific,
    ) == ("New Org", "GE", Category.SPEAKER, "vegan", "Dr")
    assert registration.email_key == "nino@example.ge"
    log = client.get(url).text.split('id="log"')[1]
    assert "manager@example.org" in log
    assert "<del>Old Org</del> → <ins>New Org</ins>" in log
    assert "Category: Participant → Speaker" in log
    # Fields and values as the forms name them.
    assert re.search(r"<dt>Country</dt>\s*<dd><del>—</del> → <ins>Georgia</ins>", log)
    assert re.search(
        r"<dt>Dietary needs</dt>\s*<dd><del>No special needs</del> → "
        r"<ins>Vegan</ins>",
        log,
    )
    # An address of someone else in the event is refused next to the field.
    add(app, email="taken@example.org")
    response = organiser.post(
        url,
        data={
            "given_name": "Nino",
            "email": "TAKEN@example.org",
            "category": "speaker",
            "dietary": "none",
        },
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert get(app, rid).email == "nino@example.ge"


def outbox_to(app, address: str) -> list[str]:
    """Subjects of the messages written to the outbox for an address."""
    folder = Path(app.instance_path) / "outbox"
    messages = (
        [
            BytesParser(policy=policy.default).parsebytes(p.read_bytes())
            for p in sorted(folder.glob("*.eml"))
        ]
        if folder.exists()
        else []
    )
    return [m["Subject"] for m in messages if m["To"].addresses[0].addr_spec == address]


def test_cancelling_promotes_the_waiting_list(app, client, organiser):
    with app.app_context():
        db.session.scalar(select(Event).where(Event.slug == SLUG)).capacity = 1
        db.session.commit()
    first = add(app, given_name="First", counts_towards_capacity=True)
    waiting = add(
        app,
        given_name="Second",
        status=Status.WAITLISTED,
        counts_towards_capacity=True,
        email="second@example.org",
    )
    assert "number 1 on the waiting list" in client.get(f"{DESK}/{waiting}").text
    response = organiser.post(f"{DESK}/{first}/status", data={"action": "cancel"})
    assert response.status_code == 302
    assert get(app, first).status == Status.CANCELLED
    assert get(app, waiting).status == Status.CONFIRMED
    page = client.get(f"{DESK}/{waiting}").text
    assert "Promoted from the waiting list" in page
    assert "Cancelled by an organiser" in client.get(f"{DESK}/{first}").text
    assert any(s.startswith("A seat is yours") for s in outbox_to(app, "second@example.org"))


def test_raising_the_capacity_promotes_the_waiting_list(app, client, organiser):
    with app.app_context():
        db.session.scalar(select(Event).where(Event.slug == SLUG)).capacity = 1
        db.session.commit()
    add(app, given_name="First", counts_towards_capacity=True)
    second = add(
        app,
        given_name="Second",
        status=Status.WAITLISTED,
        counts_towards_capacity=True,
        email="second@example.org",
    )
    third = add(
        app,
        given_name="Third",
        status=Status.WAITLISTED,
        counts_towards_capacity=True,
        email="third@example.org",
    )
    settings = f"/manage/events/{SLUG}/settings"
    page = lxml.html.fromstring(client.get(settings).text)
    settings_form = next(f for f in page.forms if "capacity" in f.fields)
    form = dict(settings_form.form_values())
    response = client.post(settings, data={**form, "capacity": "2"}, follow_redirects=True)
    assert "1 person moved up from the waiting list" in response.text
    assert get(app, second).status == Status.CONFIRMED
    assert get(app, third).status == Status.WAITLISTED
    assert any(s.startswith("A seat is yours") for s in outbox_to(app, "second@example.org"))
    assert outbox_to(app, "third@example.org") == []
    # Lowering it again moves nobody back.
    client.post(settings, data={**form, "capacity": "1"})
    assert get(app, second).status == Status.CONFIRMED


def test_resend_the_confirmation(app, client, organiser):
    rid = add(app, email="resend-me@example.org")
    page = client.get(f"{DESK}/{rid}").text
    assert "Send the confirmation again" in page
    response = organiser.post(f"{DESK}/{rid}/resend")
    assert response.status_code == 302
    subjects = outbox_to(app, "resend-me@example.org")
    assert len(subjects) == 1 and subjects[0].startswith("Your registration is confirmed")
    assert "Confirmation sent again" in client.get(f"{DESK}/{rid}").text


def test_approve_decline_and_confirm(app, client, organiser):
    pending = add(app, status=Status.PENDING, counts_towards_capacity=True)
    other = add(app, status=Status.PENDING, counts_towards_capacity=True)
    waitlisted = add(app, status=Status.WAITLISTED, counts_towards_capacity=True)

    def act(rid, action):
        return organiser.post(f"{DESK}/{rid}/status", data={"action": action})

    assert act(pending, "approve").status_code == 302
    assert get(app, pending).status == Status.CONFIRMED
    act(other, "decline")
    assert get(app, other).status == Status.DECLINED
    act(waitlisted, "confirm")  # the organiser's choice, beyond the public seats
    assert get(app, waitlisted).status == Status.CONFIRMED
    act(pending, "approve")  # not pending any more: told, nothing changes
    assert "not possible now" in client.get(f"{DESK}/{pending}").text
    act(other, "confirm")
    assert get(app, other).status == Status.CONFIRMED
    log = client.get(f"{DESK}/{other}").text.split('id="log"')[1]
    assert "Confirmed by an organiser" in log and "Declined" in log


def test_regenerate_link(app, client, organiser):
    rid = add(app)
    old = get(app, rid).token
    assert f"/r/{old}" in client.get(f"{DESK}/{rid}").text
    assert organiser.post(f"{DESK}/{rid}/link").status_code == 302
    new = get(app, rid).token
    assert new != old and len(new) >= 22
    page = client.get(f"{DESK}/{rid}").text
    assert f"/r/{new}" in page and old not in page
    assert "New self-service link" in page


def test_add_by_hand_outside_the_capacity(app, client, organiser):
    for _ in range(3):
        add(app, counts_towards_capacity=True)  # the public seats are full
    response = organiser.post(
        f"{DESK}/new",
        data={
            "category": "speaker",
            "given_name": "Ана",
            "family_name": "Рибейро",
            "email": "ana@example.org",
            "country": "PT",
            "dietary": "halal",
        },
    )
    assert response.status_code == 302
    rid = int(response.headers["Location"].rsplit("/", 1)[1])
    registration = get(app, rid)
    assert registration.status == Status.CONFIRMED
    assert registration.category == Category.SPEAKER
    assert not registration.counts_towards_capacity
    page = client.get(DESK).text
    assert count(page, "public-confirmed") == "3 / 3" and count(page, "confirmed") == "4"
    assert "Added by hand" in client.get(f"{DESK}/{rid}").text
    again = organiser.post(
        f"{DESK}/new",
        data={
            "category": "participant",
            "given_name": "Ana",
            "email": "ANA@example.org",
            "dietary": "none",
        },
    )
    assert again.status_code == 422 and 'id="email-error"' in again.text
    missing = organiser.post(
        f"{DESK}/new", data={"given_name": "", "category": "speaker", "dietary": "none"}
    )
    assert missing.status_code == 422 and 'id="given_name-error"' in missing.text


def test_bulk_actions(app, client, organiser):
    p1 = add(app, status=Status.PENDING, counts_towards_capacity=True)
    p2 = add(app, status=Status.PENDING, counts_towards_capacity=True)
    confirmed = add(app)
    with app.app_context():
        other = make_registration(make_event(slug="other"), status=Status.PENDING)
        db.session.commit()
        stranger = other.id
    back = "q=&status=pending"
    response = organiser.post(
        f"{DESK}/bulk",
        data={"ids": [p1, p2, confirmed, stranger], "action": "approve", "back": back},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{DESK}?status=pending")
    assert get(app, p1).status == get(app, p2).status == Status.CONFIRMED
    assert get(app, stranger).status == Status.PENDING  # another event's: untouched
    assert "2 changed, 1 left as they were" in client.get(DESK).text

    organiser.post(
        f"{DESK}/bulk", data={"ids": [p1, confirmed], "action": "category", "category": "press"}
    )
    assert get(app, p1).category == get(app, confirmed).category == Category.PRESS
    p3 = add(app, status=Status.WAITLISTED, counts_towards_capacity=True)
    organiser.post(f"{DESK}/bulk", data={"ids": [p3, p1], "action": "decline"})
    assert get(app, p3).status == Status.DECLINED and get(app, p1).status == Status.CONFIRMED
    # Without the CSRF token nothing happens.
    response = client.post(
        f"{DESK}/bulk", data={"ids": [p2], "action": "category", "category": "staff"}
    )
    assert response.status_code == 400 and get(app, p2).category == Category.PARTICIPANT


def test_anonymise_command(app, runner, organiser):
    rid = add(
        app,
        given_name="Erase",
        family_name="Me",
        email="erase@example.org",
        organisation="Org",
        country="BE",
    )
    add(app, status=Status.CANCELLED)
    result = runner.invoke(args=["anonymise", SLUG], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert get(app, rid).given_name == "Erase"
    result = runner.invoke(args=["anonymise", SLUG], input="y\n")
    assert result.exit_code == 0, result.output
    assert "2 registrations" in result.output
    registration = get(app, rid)
    assert (registration.given_name, registration.email, registration.organisation) == (
        "",
        None,
        "",
    )
    assert registration.country == "BE" and registration.anonymised_at is not None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
        assert db.session.scalar(
            select(ChangeLogEntry).where(
                ChangeLogEntry.action == "anonymise", ChangeLogEntry.entity == "event"
            )
        )
    result = runner.invoke(args=["anonymise", SLUG, "--yes"])
    assert result.exit_code == 0 and "Nothing to erase" in result.output
    result = runner.invoke(args=["anonymise", "no-such-event", "--yes"])
    assert result.exit_code != 0 and "No event" in result.output
