"""E-mails to participants, read the way they arrive: through a real SMTP server on
127.0.0.1 (aiosmtpd), then parsed: subject, To, text and HTML parts, the agenda as .ics."""

import logging
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, MailRecord, MailStatus, Registration, Status
from eventapp.testing import free_port

from .conftest import csrf_token_from
from .factories import make_event, make_item, make_question, make_registration


@pytest.fixture
def event_slug(app):
    with app.app_context():
        event = make_event(
            title="Migration <Dialogue> & Forum", capacity=1, venue_name="Maison du Dialogue"
        )
        make_item(event, title="Opening session")
        make_item(event, title="Panel 1", starts_at=event.starts_at.replace(hour=9))
        db.session.commit()
        return event.slug


def sign_up(client, slug: str, email: str, lang: str = "en"):
    url = f"/events/{slug}/register?lang={lang}"
    token = csrf_token_from(client.get(url).text)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "given_name": "Nino",
            "family_name": "Gogoladze",
            "email": email,
            "organisation": "PSDA",
            "country": "GE",
            "dietary": "none",
            "privacy_consent": "y",
        },
    )
    assert response.status_code == 302, response.text
    return response


def parts(message: EmailMessage) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_confirmation_arrives_with_link_details_and_the_agenda(app, client, smtp, event_slug):
    sign_up(client, event_slug, "nino@example.org")
    [message] = smtp.messages
    assert smtp.recipients == [["nino@example.org"]]
    assert message["To"].addresses[0].addr_spec == "nino@example.org"
    assert message["From"] == "MIEUX events <events@example.org>"
    assert message["Subject"] == "Your registration is confirmed: Migration <Dialogue> & Forum"
    text, html = parts(message)
    with app.app_context():
        token = db.session.scalar(select(Registration.token))
    link = f"http://localhost/r/{token}"
    assert "Hello Nino," in text and link in text
    assert "Tuesday, 14 May 2030, 09:00–18:00 (Europe/Brussels)" in text
    assert "Maison du Dialogue" in text
    assert "Migration <Dialogue> & Forum" in text  # plain text is not escaped...
    assert "Migration &lt;Dialogue&gt; &amp; Forum" in html  # ...HTML is
    assert "<Dialogue>" not in html
    assert f'href="{link}"' in html
    # The link in the e-mail opens the person's page.
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and "Your registration is confirmed." in page.text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "agenda.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    summaries = sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert summaries == ["Opening session", "Panel 1"]


def test_sign_up_e_mails_repeat_the_details_given(app, client, smtp, event_slug):
    # So a typo is seen before the badges are printed; the link corrects it.
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == event_slug))
        question = make_question(event, label="Arriving from")
        db.session.commit()
        field = f"q_{question.id}"
    url = f"/events/{event_slug}/register"
    token = csrf_token_from(client.get(url).text)
    assert (
        client.post(
            url,
            data={
                "csrf_token": token,
                "honorific": "Dr",
                "given_name": "Nino",
                "family_name": "Gogoladze",
                "email": "nino@example.org",
                "organisation": "PSDA <Tbilisi> & Co",
                "country": "GE",
                "dietary": "other",
                "dietary_other": "No nuts",
                field: "Tbilisi",
                "privacy_consent": "y",
            },
        ).status_code
        == 302
    )
    text, html = parts(smtp.messages[0])
    text = text.replace("\r\n", "\n")
    assert "- Name: Dr Nino Gogoladze\n" in text
    assert "- Organisation: PSDA <Tbilisi> & Co\n" in text
    assert "- Country: Georgia\n" in text
    assert "- Dietary needs: No nuts\n" in text
    assert "- Arriving from: Tbilisi\n" in text
    assert "Job title" not in text  # left empty: not listed
    assert "<li>Organisation: PSDA &lt;Tbilisi&gt; &amp; Co</li>" in html
    # "Your link again" goes to whoever typed the address: it lists nothing.
    token = csrf_token_from(client.get(url).text)
    assert (
        client.post(
            url,
            data={
                "csrf_token": token,
                "given_name": "Someone",
                "family_name": "Else",
                "email": "nino@example.org",
                "organisation": "X",
                "country": "BE",
                "dietary": "none",
                "privacy_consent": "y",
            },
        ).status_code
        == 422
    )
    text, html = parts(smtp.messages[-1])
    assert smtp.messages[-1]["Subject"].startswith("Your registration link:")
    assert "PSDA" not in text and "PSDA" not in html


def test_waiting_list_e_mail_gives_the_position(app, client, smtp, event_slug):
    sign_up(client, event_slug, "first@example.org")
    sign_up(client, event_slug, "second@example.org")
    message = smtp.messages[-1]
    assert message["To"].addresses[0].addr_spec == "second@example.org"
    assert message["Subject"].startswith("On the waiting list:")
    text, html = parts(message)
    assert "on the waiting list at position 1" in text
    assert "at position 1" in html
    assert list(message.iter_attachments()) == []


def test_e_mails_are_in_the_language_the_person_signed_up_in(app, client, smtp, event_slug):
    sign_up(client, event_slug, "nino@example.org", lang="fr")
    text, html = parts(smtp.messages[0])
    assert "mardi 14 mai 2030" in text
    assert '<html lang="fr">' in html
    # Every line of the text part, the words of its shared layout included.
    assert "Votre inscription (la consulter, corriger vos informations" in text
    assert "- Pays: Géorgie" in text
    assert "Your " not in text and "Your " not in html


def test_cancelling_tells_the_person_and_the_promoted_one(app, client, smtp, event_slug):
    sign_up(client, event_slug, "first@example.org")
    sign_up(client, event_slug, "second@example.org")
    with app.app_context():
        token = db.session.scalar(
            select(Registration.token).where(Registration.email == "first@example.org")
        )
    page = client.get(f"/r/{token}/cancel")
    client.post(f"/r/{token}/cancel", data={"csrf_token": csrf_token_from(page.text)})
    cancellation, promotion = smtp.messages[2:]
    assert cancellation["To"].addresses[0].addr_spec == "first@example.org"
    assert cancellation["Subject"].startswith("Registration cancelled:")
    assert promotion["To"].addresses[0].addr_spec == "second@example.org"
    assert promotion["Subject"].startswith("A seat is yours:")
    assert "now confirmed" in parts(promotion)[0]
    [attachment] = list(promotion.iter_attachments())
    assert attachment.get_filename() == "agenda.ics"


def test_a_second_sign_up_sends_the_link_again(app, client, smtp, event_slug):
    sign_up(client, event_slug, "nino@example.org")
    url = f"/events/{event_slug}/register"
    client.post(
        url,
        data={
            "csrf_token": csrf_token_from(client.get(url).text),
            "given_name": "N",
            "family_name": "G",
            "email": "Nino@Example.org",
            "organisation": "P",
            "country": "GE",
            "dietary": "none",
            "privacy_consent": "y",
        },
    )
    again = smtp.messages[-1]
    assert again["Subject"].startswith("Your registration link:")
    with app.app_context():
        token = db.session.scalar(select(Registration.token))
    assert f"/r/{token}" in parts(again)[0]


def test_without_a_mail_server_messages_go_to_the_outbox_and_the_log(
    app, client, event_slug, caplog
):
    assert not app.config.get("MAIL_SERVER")
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    with caplog.at_level(logging.INFO, logger="eventapp.mail.delivery"):
        sign_up(client, event_slug, "outbox-test@example.org")
    [path] = set(outbox.glob("*.eml")) - before
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "outbox-test@example.org"
    assert message["Subject"].startswith("Your registration is confirmed")
    assert any(str(path) in record.getMessage() for record in caplog.records)


def test_a_dead_mail_server_keeps_the_registration_and_records_the_failure(
    app, client, event_slug, caplog
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    with caplog.at_level(logging.ERROR, logger="eventapp.mail.records"):
        response = sign_up(client, event_slug, "nino@example.org")
    assert "/done" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.status == Status.CONFIRMED
        failure = db.session.scalars(select(MailRecord)).one()
    assert failure.registration_id == registration.id
    assert (failure.kind, failure.status, failure.attempts) == (
        "confirmation",
        MailStatus.FAILED,
        1,
    )
    assert failure.recipient == "nino@example.org"
    assert "ConnectionRefusedError" in failure.error
    assert "could not send the confirmation e-mail" in caplog.text


def test_registrations_without_an_address_get_no_e_mail(app, smtp):
    from eventapp.mail import records

    with app.test_request_context():
        event = make_event()
        registration = make_registration(event, email=None)
        db.session.commit()
        assert records.send_confirmation(registration) is False
    assert smtp.messages == []


def test_an_address_in_cyrillic_gets_its_e_mail_as_written(app, client, smtp, event_slug):
    """A mailbox beyond ASCII (RFC 6531) goes to the server as typed, with SMTPUTF8, not
    as an encoded word no server could deliver; the message reads the same."""
    sign_up(client, event_slug, "айнура@пример.кг")
    [message] = smtp.messages
    assert smtp.recipients == [["айнура@пример.кг"]]
    # With the person's name, written as is too (the server speaks SMTPUTF8).
    assert re.fullmatch(r"Nino [^<>]+ <айнура@пример\.кг>", str(message["To"]))
    text, html = parts(message)
    assert "Hello Nino," in text and "Migration &lt;Dialogue&gt; &amp; Forum" in html
    [ics] = [
        part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert "Opening session" in ics.get_content()
