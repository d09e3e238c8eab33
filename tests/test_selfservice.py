"""The participant's own link: see, correct, download, cancel, erase; wrong links 404."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from eventapp.core import crypto
from eventapp.extensions import db
from eventapp.models import (
    ChangeLogEntry,
    ClaimLine,
    ExpenseCategory,
    ExpenseClaim,
    Registration,
    Status,
    SupportStatus,
)
from eventapp.models.types import utcnow
from eventapp.travel import services as travel
from eventapp.travel import visa_letters

from .conftest import csrf_token_from
from .factories import make_event, make_registration


@pytest.fixture
def mail(app, tmp_path):
    app.config["MAIL_OUTBOX"] = tmp_path / "outbox"
    return lambda: [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]


@pytest.fixture
def people(app):
    """An event with one seat: Ana holds it, Ben waits first, Cy second."""
    with app.test_request_context():
        event = make_event(capacity=1)
        ana = make_registration(
            event, given_name="Ana", email="ana@example.org", organisation="ICMPD", country="BE"
        )
        ben = make_registration(
            event, given_name="Ben", email="ben@example.org", status=Status.WAITLISTED
        )
        db.session.flush()
        cy = make_registration(
            event, given_name="Cy", email="cy@example.org", status=Status.WAITLISTED, language="fr"
        )
        db.session.commit()
        return {
            "event_id": event.id,
            "slug": event.slug,
            **{r.given_name.lower(): r.token for r in (ana, ben, cy)},
        }


def get(app, token: str) -> Registration | None:
    with app.app_context():
        return db.session.scalar(select(Registration).where(Registration.token == token))


def details(**kw) -> dict:
    return {
        "given_name": "Ana",
        "family_name": "Ribeiro",
        "email": "ana@example.org",
        "organisation": "ICMPD",
        "country": "BE",
        "dietary": "none",
        **kw,
    }


def test_the_page_shows_the_registration_and_its_status(client, people):
    html = client.get(f"/r/{people['ana']}").text
    assert "Your registration is confirmed." in html
    assert 'value="ICMPD"' in html
    assert "on the waiting list, at position 2" in client.get(f"/r/{people['cy']}").text


@pytest.mark.parametrize("suffix", ["", "/done", "/data.json", "/cancel", "/erase"])
def test_a_wrong_token_is_a_plain_404(client, people, suffix):
    for token in ("nope", people["ana"][:-1] + "x", people["ana"][:-1], "a" * 500):
        response = client.get(f"/r/{token}{suffix}")
        assert response.status_code == 404
        assert "Ana" not in response.text and "ana@" not in response.text


def test_details_can_be_corrected_and_the_change_is_logged(app, client, people):
    page = client.get(f"/r/{people['ana']}").text
    response = client.post(
        f"/r/{people['ana']}",
        data={"csrf_token": csrf_token_from(page), **details(organisation=" Ministry of Justice ")},
    )
    assert response.status_code == 302
    assert get(app, people["ana"]).organisation == "Ministry of Justice"
    assert "Your details are saved." in client.get(response.headers["Location"]).text
    with app.app_context():
        entry = db.session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.action == "update")
        ).one()
    assert entry.changes["organisation"] == ["ICMPD", "Ministry of Justice"]


def test_errors_are_shown_next_to_the_fields(app, client, people):
    page = client.get(f"/r/{people['ana']}").text
    response = client.post(
        f"/r/{people['ana']}",
        data={
            "csrf_token": csrf_token_from(page),
            **details(given_name="", organisation="O" * 301),
        },
    )
    assert response.status_code == 422
    assert 'id="given_name-error">Please fill in this field.' in response.text
    assert "at most 300 characters (you typed 301)" in response.text
    assert get(app, people["ana"]).organisation == "ICMPD"


def test_an_address_of_another_registration_is_refused_next_to_the_field(app, client, people):
    page = client.get(f"/r/{people['ana']}").text
    response = client.post(
        f"/r/{people['ana']}",
        data={"csrf_token": csrf_token_from(page), **details(email="BEN@example.org")},
    )
    assert response.status_code == 422
    assert (
        'id="email-error">Another registration for this event uses this e-mail address.'
        in response.text
    )
    assert 'value="BEN@example.org"' in response.text
    assert get(app, people["ana"]).email == "ana@example.org"


def test_details_are_read_only_once_the_event_has_started(app, client, people):
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.token == people["ana"])
        )
        registration.event.starts_at = utcnow() - timedelta(hours=1)
        registration.event.ends_at = utcnow() + timedelta(hours=5)
        db.session.commit()
    page = client.get(f"/r/{people['ana']}").text
    assert 'name="organisation"' not in page and "ICMPD" in page
    token = csrf_token_from(client.get(f"/r/{people['ana']}/cancel").text)
    response = client.post(
        f"/r/{people['ana']}", data={"csrf_token": token, **details(organisation="Too late")}
    )
    assert response.status_code == 302
    assert "can no longer be changed" in client.get(response.headers["Location"]).text
    assert get(app, people["ana"]).organisation == "ICMPD"


def test_data_download_is_a_json_attachment_of_everything_held(client, people):
    response = client.get(f"/r/{people['ana']}/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data)
    assert data["registration"]["email"] == "ana@example.org"
    assert data["registration"]["status"] == "confirmed"
    assert data["registration"]["organisation"] == "ICMPD"
    assert data["event"]["slug"] == people["slug"]
    assert (
        json.loads(client.get(f"/r/{people['cy']}/data.json").data)["registration"][
            "waitlist_position"
        ]
        == 2
    )


def test_the_data_download_holds_travel_visa_letter_and_expenses_in_clear(app, client, people):
    """Their own data in full: the passport data decrypted, the bank details complete."""
    with app.test_request_context():
        ana = db.session.scalar(select(Registration).where(Registration.token == people["ana"]))
        travel.request_support(ana, ["travel"], "No funds at my ministry.")
        support = travel.decide(
            ana, SupportStatus.APPROVED, lines=["travel"], estimates={"travel": Decimal("900")}
        )
        travel.add_segment(
            support,
            {
                "number": "TP 644",
                "from_code": "LIS",
                "from_place": "Lisboa",
                "departs_local": datetime(2030, 5, 13, 8, 20),
                "departs_tz": "Europe/Lisbon",
                "to_code": "BRU",
                "to_place": "Bruxelles",
                "arrives_local": datetime(2030, 5, 13, 12, 5),
                "arrives_tz": "Europe/Brussels",
                "cost": Decimal("400"),
            },
        )
        visa_letters.request_letter(
            ana,
            {
                "passport_number": "CV0042137",
                "passport_expiry": date(2033, 1, 31),
                "nationality": "cv",
                "birth_date": date(1985, 4, 2),
                "consulate_city": "Praia",
            },
        )
        claim = ExpenseClaim(
            event_id=ana.event_id,
            registration=ana,
            bank_details=crypto.encrypt_json(
                {"account_holder": "Ana", "iban": "PT50000201231234567890154", "bic": "CGDIPTPL"}
            ),
        )
        db.session.add(claim)
        db.session.add(
            ClaimLine(
                claim=claim,
                category=ExpenseCategory.LOCAL_TRANSPORT,
                description="Airport taxi",
                amount=Decimal("35.50"),
                currency="EUR",
                receipt="x.png",
            )
        )
        db.session.commit()
    data = json.loads(client.get(f"/r/{people['ana']}/data.json").data)
    support = data["travel_support"]
    assert support["status"] == "approved" and support["travel_estimate"] == "900.00"
    assert support["justification"] == "No funds at my ministry."
    [segment] = support["segments"]
    assert segment["number"] == "TP 644" and segment["departs_local"] == "2030-05-13T08:20:00"
    letter = data["visa_letter"]
    assert letter["status"] == "requested" and letter["consulate_city"] == "Praia"
    assert letter["passport"] == {
        "passport_number": "CV0042137",
        "passport_expiry": "2033-01-31",
        "nationality": "CV",
        "birth_date": "1985-04-02",
    }
    expenses = data["expense_claim"]
    assert expenses["bank_details"]["iban"] == "PT50000201231234567890154"
    assert expenses["lines"] == [
        {
            "category": "local-transport",
            "description": "Airport taxi",
            "amount": "35.50",
            "currency": "EUR",
            "status": "pending",
            "submitted_at": expenses["lines"][0]["submitted_at"],
            "decided_at": None,
        }
    ]
    nothing = json.loads(client.get(f"/r/{people['ben']}/data.json").data)
    assert [nothing[k] for k in ("travel_support", "visa_letter", "expense_claim")] == [None] * 3


def test_cancelling_asks_first_then_promotes_the_next_and_tells_them(app, client, people, mail):
    page = client.get(f"/r/{people['ana']}/cancel")
    assert "Are you sure" in page.text
    assert get(app, people["ana"]).status == Status.CONFIRMED  # a GET changes nothing
    response = client.post(
        f"/r/{people['ana']}/cancel", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 302
    assert get(app, people["ana"]).status == Status.CANCELLED
    assert get(app, people["ben"]).status == Status.CONFIRMED
    assert get(app, people["cy"]).status == Status.WAITLISTED
    assert "Your registration is cancelled." in client.get(f"/r/{people['ana']}").text
    assert "at position 1" in client.get(f"/r/{people['cy']}").text
    by_address = {m["To"].addresses[0].addr_spec: m for m in mail()}
    assert set(by_address) == {"ana@example.org", "ben@example.org"}
    assert "cancelled" in by_address["ana@example.org"]["Subject"]
    assert "A seat is yours" in by_address["ben@example.org"]["Subject"]


def test_a_cancel_without_the_csrf_token_changes_nothing(app, client, people):
    response = client.post(f"/r/{people['ana']}/cancel")
    assert response.status_code in (200, 400)
    assert get(app, people["ana"]).status == Status.CONFIRMED


def test_erasing_asks_first_then_erases_and_the_link_stops_working(app, client, people, mail):
    page = client.get(f"/r/{people['ana']}/erase")
    assert "Are you sure" in page.text
    response = client.post(
        f"/r/{people['ana']}/erase", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{people['slug']}/"
    assert get(app, people["ana"]) is None  # the token changed
    with app.app_context():
        erased = db.session.scalars(
            select(Registration).where(Registration.anonymised_at.is_not(None))
        ).one()
        assert (erased.given_name, erased.email, erased.organisation) == ("", None, "")
        assert erased.status == Status.CANCELLED
        assert erased.country == "BE"  # kept for the statistics
    assert get(app, people["ben"]).status == Status.CONFIRMED
    assert client.get(f"/r/{people['ana']}").status_code == 404
    assert [m["To"].addresses[0].addr_spec for m in mail()] == ["ben@example.org"]
