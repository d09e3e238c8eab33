"""Checking people in at the door, through the real JSON calls the check-in page makes:
every outcome a volunteer can meet, undo, search, walk-ins, the badge's own URL, and who
may do any of it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.checkin import services
from eventapp.extensions import db
from eventapp.models import (
    Category,
    CheckInAction,
    CheckInMethod,
    CheckInRecord,
    Event,
    Registration,
    Status,
    User,
    UserRole,
)
from eventapp.models.types import utcnow

from .conftest import csrf_token_from, submit_sign_in
from .factories import make_event, make_registration
from .pdfcheck import page_texts, qr_codes


@pytest.fixture
def door(app, make_user):
    """An event with a few people, a volunteer on its team and one who is not, and an
    organiser of another event."""
    volunteer = make_user("door@example.org", UserRole.CHECKIN)
    make_user("stranger@example.org", UserRole.CHECKIN)
    other_organiser = make_user("other@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug="forum", title="Migration Forum")
        other = make_event(slug="other", title="Another Event")
        event.managers.append(db.session.get(User, volunteer))
        other.managers.append(db.session.get(User, other_organiser))
        people = {
            "jose": make_registration(
                event,
                given_name="José",
                family_name="Núñez",
                organisation="Ministerio de Relaciones Exteriores",
                accessibility="Wheelchair user: step-free entrance",
            ),
            "ainura": make_registration(
                event,
                given_name="Айнура",
                family_name="Абдыкадырова",
                organisation="State Migration Service",
                category=Category.SPEAKER,
            ),
            "waiting": make_registration(
                event, given_name="Wendy", family_name="Waiting", status=Status.WAITLISTED
            ),
            "cancelled": make_registration(
                event, given_name="Carl", family_name="Cancelled", status=Status.CANCELLED
            ),
            "stranger": make_registration(other, given_name="Olga", family_name="Other"),
        }
        db.session.commit()
        codes = {name: r.checkin_code for name, r in people.items()}
        ids = {name: r.id for name, r in people.items()}
    return {"codes": codes, "ids": ids, "volunteer": volunteer}


def scan(client, token: str, code: str, slug: str = "forum", **extra):
    return client.post(
        f"/checkin/{slug}/scan", json={"code": code, **extra}, headers={"X-CSRFToken": token}
    )


def test_volunteers_land_on_their_events_after_signing_in(client, door):
    response = submit_sign_in(client, "door@example.org")
    assert response.headers["Location"] == "/checkin/"
    page = client.get("/checkin/").text
    assert "Migration Forum" in page and "Another Event" not in page


def test_scan_checks_in_once_then_says_already_with_time_and_who(sign_in, app, client, door):
    token = sign_in("door@example.org").csrf
    first = scan(client, token, door["codes"]["jose"])
    assert first.status_code == 200
    assert first.json["result"] == "checked_in"
    person = first.json["person"]
    assert person["name"] == "José Núñez"
    assert person["organisation"] == "Ministerio de Relaciones Exteriores"
    assert person["category_label"] == "Participant"
    assert person["accessibility"] == "Wheelchair user: step-free entrance"

    again = scan(client, token, door["codes"]["jose"])
    assert again.json["result"] == "already"
    assert again.json["message"] == f"Already checked in at {person['checked_in_time']}"
    assert again.json["person"]["checked_in_by"] == "door@example.org"

    with app.app_context():
        registration = db.session.get(Registration, door["ids"]["jose"])
        assert registration.checked_in_at is not None
        assert registration.checked_in_by_id == door["volunteer"]
        records = db.session.scalars(select(CheckInRecord)).all()
        assert [(r.action, r.method, r.actor, r.queued) for r in records] == [
            (CheckInAction.CHECK_IN, CheckInMethod.QR, "door@example.org", False)
        ]


def test_the_badge_url_as_read_from_the_qr_code_works_like_the_code(sign_in, client, door):
    token = sign_in("door@example.org").csrf
    url = f"https://events.example.org/checkin/forum/c/{door['codes']['ainura']}"
    answer = scan(client, token, url).json
    assert answer["result"] == "checked_in"
    assert answer["person"]["name"] == "Айнура Абдыкадырова"
    assert answer["person"]["category_label"] == "Speaker"


@pytest.mark.parametrize(
    ("who", "result", "message"),
    [
        ("waiting", "not_confirmed", "Not confirmed: Waiting list"),
        ("cancelled", "not_confirmed", "Not confirmed: Cancelled"),
        ("stranger", "other_event", "This badge is for another event: Another Event"),
    ],
)
def test_people_who_may_not_enter_are_not_checked_in(
    sign_in, app, client, door, who, result, message
):
    token = sign_in("door@example.org").csrf
    answer = scan(client, token, door["codes"][who]).json
    assert (answer["result"], answer["message"]) == (result, message)
    with app.app_context():
        assert db.session.get(Registration, door["ids"][who]).checked_in_at is None
        assert db.session.scalar(select(func.count()).select_from(CheckInRecord)) == 0


@pytest.mark.parametrize(
    "code", ["no-such-code", "", "https://evil.example/x", "https://h/checkin/forum/c/", "x" * 500]
)
def test_unknown_codes_are_said_to_be_unknown(sign_in, client, door, code):
    token = sign_in("door@example.org").csrf
    answer = scan(client, token, code).json
    assert answer["result"] == "unknown"
    assert answer["person"] is None


def test_malformed_requests_are_refused(sign_in, client, door):
    token = sign_in("door@example.org").csrf
    assert (
        client.post(
            "/checkin/forum/scan",
            data="not json",
            content_type="application/json",
            headers={"X-CSRFToken": token},
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/checkin/forum/scan", json=["a list"], headers={"X-CSRFToken": token}
        ).status_code
        == 400
    )
    # Without the CSRF token, another site cannot make a signed-in phone check people in.
    assert (
        client.post("/checkin/forum/scan", json={"code": door["codes"]["jose"]}).status_code == 400
    )


def test_undo_then_scan_again(sign_in, app, client, door):
    token = sign_in("door@example.org").csrf
    code = door["codes"]["jose"]
    scan(client, token, code)
    undone = client.post(
        "/checkin/forum/undo", json={"code": code}, headers={"X-CSRFToken": token}
    ).json
    assert undone["result"] == "undone"
    assert undone["person"]["checked_in"] is False
    again = client.post(
        "/checkin/forum/undo", json={"code": code}, headers={"X-CSRFToken": token}
    ).json
    assert again["result"] == "not_checked_in"
    assert scan(client, token, code).json["result"] == "checked_in"
    with app.app_context():
        actions = db.session.scalars(select(CheckInRecord.action).order_by(CheckInRecord.id)).all()
        assert actions == [CheckInAction.CHECK_IN, CheckInAction.UNDO, CheckInAction.CHECK_IN]


def test_a_queued_scan_keeps_the_time_it_was_made(sign_in, app, client, door):
    token = sign_in("door@example.org").csrf
    scanned = (utcnow() - timedelta(minutes=7)).replace(microsecond=0)
    answer = scan(client, token, door["codes"]["jose"], at=scanned.isoformat(), queued=True).json
    assert answer["result"] == "checked_in"
    # Replayed once more (the answer was lost on the way back): still one check-in.
    assert (
        scan(client, token, door["codes"]["jose"], at=scanned.isoformat(), queued=True).json[
            "result"
        ]
        == "already"
    )
    with app.app_context():
        record = db.session.scalars(select(CheckInRecord)).one()
        assert record.queued and record.at == scanned
        assert record.recorded_at > scanned + timedelta(minutes=6)
        assert db.session.get(Registration, door["ids"]["jose"]).checked_in_at == scanned


@pytest.mark.parametrize("offset", [timedelta(days=30), timedelta(hours=-2)])
def test_implausible_device_times_are_replaced_by_the_server_time(
    sign_in, app, client, door, offset
):
    token = sign_in("door@example.org").csrf
    before = utcnow()
    scan(client, token, door["codes"]["jose"], at=(before - offset).isoformat(), queued=True)
    with app.app_context():
        assert db.session.scalars(select(CheckInRecord)).one().at >= before


def test_search_ignores_case_and_accents_in_every_script(sign_in, client, door):
    sign_in("door@example.org")

    def names(q):
        return [
            p["name"]
            for p in client.get("/checkin/forum/search", query_string={"q": q}).json["people"]
        ]

    assert names("jose") == ["José Núñez"]
    assert names("NUNEZ") == ["José Núñez"]
    assert names("айнура") == ["Айнура Абдыкадырова"]
    assert names("ministerio exteriores") == ["José Núñez"]
    assert names("migration") == ["Айнура Абдыкадырова"]
    assert names("olga") == []  # another event's participant
    assert names("  ") == []
    # Everyone is found, but people who may come in are listed first.
    assert names("a")[-1] in {"Wendy Waiting", "Carl Cancelled"}


def test_search_leaves_out_erased_people(sign_in, app, client, door):
    with app.app_context():
        registration = db.session.get(Registration, door["ids"]["jose"])
        registration.anonymised_at = datetime.now(UTC)
        db.session.commit()
    token = sign_in("door@example.org").csrf
    assert client.get("/checkin/forum/search?q=jose").json["people"] == []
    assert scan(client, token, door["codes"]["jose"]).json["result"] == "unknown"


def test_json_calls_answer_401_signed_out_and_403_without_the_right(sign_in, client, door):
    code = door["codes"]["jose"]
    token = csrf_token_from(client.get("/login").text)
    response = client.post(
        "/checkin/forum/scan", json={"code": code}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 401 and response.json["error"] == "login"
    assert client.get("/checkin/forum/search?q=jose").status_code == 401

    token = sign_in("stranger@example.org").csrf  # a volunteer of no team
    assert scan(client, token, code).status_code == 403
    assert client.get("/checkin/forum").status_code == 403
    assert client.get("/checkin/forum/search?q=jose").status_code == 403


def test_organisers_check_in_only_at_their_events(sign_in, client, door):
    token = sign_in("other@example.org").csrf
    assert scan(client, token, door["codes"]["jose"]).status_code == 403
    assert (
        scan(client, token, door["codes"]["stranger"], slug="other").json["result"] == "checked_in"
    )


def test_volunteers_reach_only_the_door(sign_in, client, door):
    sign_in("door@example.org")
    for url in (
        "/manage/",
        "/manage/events/forum/",
        "/manage/events/forum/registrations",
        "/manage/events/forum/attendance",
        "/manage/events/forum/badges",
        "/manage/users",
        "/checkin/other",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/checkin/forum").status_code == 200


def test_the_page_offers_scanner_search_and_walk_in_from_vendored_files(sign_in, client, door):
    sign_in("door@example.org")
    page = client.get("/checkin/forum").text
    assert re.search(r'src="/static/js/vendor/jsQR\.[0-9a-f]{12}\.js"', page)
    assert re.search(r'src="/static/js/checkin\.[0-9a-f]{12}\.js"', page)
    assert 'data-scan-url="/checkin/forum/scan"' in page
    assert "Register a walk-in" in page
    assert "http://" not in page.replace('href="http://www.w3.org', "") and "https://" not in page
    with client.get("/static/js/vendor/jsQR.js") as script:
        assert script.status_code == 200


def test_the_badge_url_opened_on_a_phone_shows_the_person_then_checks_in(
    sign_in, app, client, door
):
    code = door["codes"]["jose"]
    assert client.get(f"/checkin/forum/c/{code}").status_code == 302  # to the login page
    token = sign_in("door@example.org").csrf
    page = client.get(f"/checkin/forum/c/{code}")
    assert "José Núñez" in page.text and "Not checked in yet" in page.text
    with app.app_context():  # looking is not checking in
        assert db.session.get(Registration, door["ids"]["jose"]).checked_in_at is None
    done = client.post(f"/checkin/forum/c/{code}", data={"csrf_token": token})
    assert "Checked in" in done.text
    with app.app_context():
        record = db.session.scalars(select(CheckInRecord)).one()
        assert record.method == CheckInMethod.LINK
    assert client.get(f"/checkin/forum/c/{door['codes']['stranger']}").status_code == 404


def walk_in(client, token, **fields):
    data = {
        "given_name": "Nino",
        "family_name": "Beridze",
        "organisation": "",
        "category": "participant",
        "email": "",
        "csrf_token": token,
        **fields,
    }
    return client.post("/checkin/forum/walk-in", data=data)


def test_a_walk_in_is_registered_checked_in_and_gets_a_badge(sign_in, app, client, door):
    token = sign_in("door@example.org").csrf
    response = walk_in(
        client,
        token,
        given_name="ნინო",
        family_name="ბერიძე",
        organisation="Public Service Hall",
        category="press",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "ნინო ბერიძე is registered and checked in." in page
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.family_name == "ბერიძე")
        )
        assert registration.status == Status.CONFIRMED
        assert registration.category == Category.PRESS
        assert registration.checked_in_at is not None
        assert registration.email is None
        assert not registration.counts_towards_capacity
        assert db.session.scalars(select(CheckInRecord)).one().method == CheckInMethod.WALK_IN
        code = registration.checkin_code
    badge_link = f"/checkin/forum/badge/{code}.pdf"
    assert badge_link in page

    pdf = client.get(badge_link)
    assert pdf.mimetype == "application/pdf"
    texts = page_texts(pdf.data)
    assert len(texts) == 1
    assert "ნინო" in texts[0] and "Public Service Hall" in texts[0]
    assert qr_codes(pdf.data)[0].endswith(f"/checkin/forum/c/{code}")
    with app.app_context():
        assert db.session.get(Registration, registration.id).printed_at is not None


def test_walk_in_errors_are_shown_next_to_the_field_and_nothing_is_saved(
    sign_in, app, client, door
):
    token = sign_in("door@example.org").csrf
    response = walk_in(client, token, given_name="  ", email="not an address")
    assert response.status_code == 422
    assert 'id="given_name-error"' in response.text and 'id="email-error"' in response.text
    response = walk_in(client, token, email=door_email(app, door["ids"]["jose"]).upper())
    assert response.status_code == 422
    assert "This address is already registered" in response.text
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Registration)
                .join(Event)
                .where(Event.slug == "forum")
            )
            == 4
        )


def door_email(app, registration_id: int) -> str:
    with app.app_context():
        return db.session.get(Registration, registration_id).email


def test_reprint_any_badge_but_not_another_events(sign_in, client, door):
    sign_in("door@example.org")
    assert client.get(f"/checkin/forum/badge/{door['codes']['ainura']}.pdf").status_code == 200
    assert client.get(f"/checkin/forum/badge/{door['codes']['stranger']}.pdf").status_code == 404


def test_parse_code():
    assert services.parse_code("abc_DEF-123") == "abc_DEF-123"
    assert services.parse_code(" https://x.org/checkin/forum/c/abc%2Dd \n") == "abc-d"
    assert services.parse_code("/checkin/forum/c/abc") == "abc"
    assert services.parse_code("https://x.org/other/path") == ""
    assert services.parse_code(None) == ""


def test_search_finds_names_in_other_scripts_typed_in_latin_letters(sign_in, client, door):
    sign_in("door@example.org")
    found = client.get("/checkin/forum/search?q=aynura abdykadyrova").json["people"]
    assert [p["name"] for p in found] == ["Айнура Абдыкадырова"]


def test_an_admin_puts_a_volunteer_on_the_events_team(sign_in, app, client, door, make_user):
    make_user("admin@example.org", UserRole.ADMIN)
    token = sign_in("admin@example.org").csrf
    page = client.get("/manage/events/forum/managers").text
    assert "stranger@example.org (Check-in)" in page
    with app.app_context():
        stranger = db.session.scalar(select(User).where(User.email == "stranger@example.org"))
    response = client.post(
        "/manage/events/forum/managers", data={"user_id": stranger.id, "csrf_token": token}
    )
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": token})
    sign_in("stranger@example.org")
    assert client.get("/checkin/forum").status_code == 200
    assert client.get("/manage/events/forum/").status_code == 403


def test_the_registration_page_shows_who_checked_the_person_in_and_how(
    sign_in, app, client, door, make_user
):
    token = sign_in("door@example.org").csrf
    scan(client, token, door["codes"]["jose"], at=utcnow().isoformat(), queued=True)
    client.post(
        "/checkin/forum/undo", json={"code": door["codes"]["jose"]}, headers={"X-CSRFToken": token}
    )
    client.post("/logout", data={"csrf_token": token})
    make_user("admin@example.org", UserRole.ADMIN)
    sign_in("admin@example.org")
    page = client.get(f"/manage/events/forum/registrations/{door['ids']['jose']}").text
    history = page[
        page.index('id="checkin-history"') : page.index("</ul>", page.index('id="checkin-history"'))
    ]
    assert "checked in" in history and "badge scanned" in history
    assert "sent later from a phone offline" in history
    assert "check-in undone" in history and history.count("door@example.org") == 2


def test_a_walk_in_under_a_registered_name_is_offered_the_existing_registration(
    sign_in, app, client, door
):
    token = sign_in("door@example.org").csrf
    # Typed in Latin letters, registered in Cyrillic: still the same name.
    response = walk_in(client, token, given_name="Aynura", family_name="ABDYKADYROVA")
    assert response.status_code == 409
    assert "Already registered under this name:" in response.text
    assert "Айнура Абдыкадырова" in response.text
    assert f'action="/checkin/forum/c/{door["codes"]["ainura"]}"' in response.text
    assert 'name="new_person"' in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 5

    # The volunteer checks her in from there...
    done = client.post(f"/checkin/forum/c/{door['codes']['ainura']}", data={"csrf_token": token})
    assert "Checked in" in done.text
    # ... or, for another person of the same name, registers them on purpose.
    again = walk_in(client, token, given_name="Aynura", family_name="Abdykadyrova", new_person="y")
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 6


def test_the_search_index_follows_every_change_and_reads_only_what_changed(
    sign_in, app, client, door
):
    from eventapp.checkin import search

    token = sign_in("door@example.org").csrf

    def names(q):
        return [
            p["name"]
            for p in client.get("/checkin/forum/search", query_string={"q": q}).json["people"]
        ]

    def kept_index():
        with app.app_context():
            event = db.session.scalar(select(Event).where(Event.slug == "forum"))
            search.index(event)
            return search._indexes[(str(db.engine.url), event.id, event.created_at)]

    assert names("jose") == ["José Núñez"]
    before = kept_index()
    scan(client, token, door["codes"]["ainura"])  # a check-in: one row read again
    assert kept_index() is before
    with app.app_context():
        registration = db.session.get(Registration, door["ids"]["jose"])
        registration.given_name = "Josefina"  # a change of name is seen at once
        db.session.commit()
    assert names("josefina") == ["Josefina Núñez"] and names("jose") == ["Josefina Núñez"]
    walk_in(client, token, given_name="Joseph", family_name="Zulu")  # a new person
    assert names("jos") == ["Josefina Núñez", "Joseph Zulu"]
    with app.app_context():
        registration = db.session.get(Registration, door["ids"]["jose"])
        registration.status = Status.CANCELLED  # cancelled people go last
        db.session.commit()
    assert names("jos") == ["Joseph Zulu", "Josefina Núñez"]
    with app.app_context():
        registration = db.session.get(Registration, door["ids"]["jose"])
        registration.anonymised_at = utcnow()  # erased people are not found
        db.session.commit()
    assert names("jos") == ["Joseph Zulu"]
    with app.app_context():
        db.session.delete(db.session.get(Registration, door["ids"]["waiting"]))
        db.session.commit()  # a deletion: read in full again
    assert names("wendy") == []
    assert kept_index() is not before
