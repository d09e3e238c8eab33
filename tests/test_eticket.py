"""The e-ticket: the badge's check-in QR code in the e-mails that say a person is
confirmed and on their own page, so that the door scans a phone before any badge is
printed. Read the way it arrives: through a real SMTP server, the PNG found by the
Content-ID the HTML shows, decoded as a scanner would, then scanned at the door."""

import io
import re
from email.message import EmailMessage

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import CheckInRecord, Event, Registration, Status, User, UserRole

from .conftest import csrf_token_from
from .factories import make_event, make_registration
from .test_registration_emails import sign_up

VOLUNTEER = "door@example.org"


@pytest.fixture
def forum(app, make_user):
    """An event with one seat and a check-in volunteer on its team."""
    volunteer = make_user(VOLUNTEER, UserRole.CHECKIN)
    with app.app_context():
        event = make_event(slug="forum", title="Migration Forum", capacity=1)
        event.managers.append(db.session.get(User, volunteer))
        db.session.commit()
        return event.slug


def inline_image(message: EmailMessage) -> tuple[bytes, str]:
    """The image the HTML part shows by its Content-ID, and its alt text."""
    html_part = message.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    [(cid, alt)] = re.findall(r'<img src="cid:([^"]+)"[^>]* alt="([^"]+)"', html)
    [image] = [p for p in message.walk() if p["Content-ID"] == f"<{cid}>"]
    assert image.get_content_type() == "image/png"
    assert image.get_content_disposition() == "inline"
    return image.get_payload(decode=True), alt


def decoded(png: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_code_in_the_confirmation_checks_the_person_in(app, client, smtp, sign_in, forum):
    sign_up(client, forum, "nino@example.org")
    [message] = smtp.messages
    png, alt = inline_image(message)
    assert alt == "Check-in code for Nino Gogoladze"
    # The HTML and the image it shows travel together, beside the text and the agenda.
    related = message.get_body(("related",))
    assert related is not None and related.get_content_type() == "multipart/related"
    assert [p.get_content_type() for p in related.iter_parts()] == ["text/html", "image/png"]
    assert [a.get_filename() for a in message.iter_attachments()] == ["agenda.ics"]
    text = message.get_body(("plain",)).get_content()
    assert "the HTML version of this e-mail shows your check-in code" in text
    # Large enough for a door scanner: several pixels per module.
    with Image.open(io.BytesIO(png)) as image:
        assert image.width >= 200

    [url] = decoded(png)
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert url == f"http://localhost/checkin/forum/c/{registration.checkin_code}"
        registration_id = registration.id

    door = sign_in(VOLUNTEER)
    answer = client.post(
        "/checkin/forum/scan", json={"code": url}, headers={"X-CSRFToken": door.csrf}
    )
    assert answer.status_code == 200 and answer.json["result"] == "checked_in"
    with app.app_context():
        assert db.session.get(Registration, registration_id).checked_in_at is not None
        assert db.session.scalar(select(CheckInRecord.registration_id)) == registration_id


def test_the_french_confirmation_names_the_code_in_french(client, smtp, forum):
    sign_up(client, forum, "nino@example.org", lang="fr")
    [message] = smtp.messages
    _png, alt = inline_image(message)
    assert alt == "Code d’accueil de Nino Gogoladze"
    assert "Votre billet électronique" in message.get_body(("html",)).get_content()


def test_the_waiting_list_e_mail_has_no_ticket(client, smtp, forum):
    sign_up(client, forum, "first@example.org")
    sign_up(client, forum, "second@example.org")
    waiting = smtp.messages[1]
    assert waiting["Subject"].startswith("On the waiting list")
    assert "cid:" not in waiting.get_body(("html",)).get_content()
    assert not [p for p in waiting.walk() if p.get_content_maintype() == "image"]


def test_the_promotion_brings_the_ticket(app, client, smtp, forum):
    sign_up(client, forum, "first@example.org")
    sign_up(client, forum, "second@example.org")
    with app.app_context():
        first = db.session.scalar(
            select(Registration).where(Registration.email == "first@example.org")
        )
        token = first.token
    page = f"/r/{token}/cancel"
    client.post(page, data={"csrf_token": csrf_token_from(client.get(page).text)})
    promotion = smtp.messages[-1]
    assert promotion["Subject"].startswith("A seat is yours")
    png, alt = inline_image(promotion)
    assert alt == "Check-in code for Nino Gogoladze"
    with app.app_context():
        second = db.session.scalar(
            select(Registration).where(Registration.email == "second@example.org")
        )
        assert decoded(png) == [f"http://localhost/checkin/forum/c/{second.checkin_code}"]


def test_the_personal_page_shows_the_ticket_only_when_confirmed(app, client):
    with app.app_context():
        event = make_event(slug="forum", title="Migration Forum")
        people = {
            status: make_registration(event, given_name="Ana", family_name="Li", status=status)
            for status in (Status.CONFIRMED, Status.WAITLISTED, Status.PENDING)
        }
        db.session.commit()
        pages = {s: (r.token, r.checkin_code) for s, r in people.items()}
        assert db.session.scalar(select(Event.slug)) == "forum"

    token, code = pages[Status.CONFIRMED]
    page = client.get(f"/r/{token}").text
    assert "Your e-ticket" in page
    assert '<svg role="img"' in page and "<title>Check-in code for Ana Li</title>" in page
    assert f'<code class="eticket__code">{code}</code>' in page
    for status in (Status.WAITLISTED, Status.PENDING):
        token, code = pages[status]
        page = client.get(f"/r/{token}").text
        assert "Your e-ticket" not in page and "<svg" not in page and code not in page
