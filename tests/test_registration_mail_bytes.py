"""The e-mails' quick way out (the agenda's base64 encoded once, written in one piece, the
boundaries chosen without searching it) gives the bytes the email package would."""

import io
from email import message_from_bytes, policy
from email.generator import BytesGenerator

from eventapp.extensions import db
from eventapp.feeds.calendar_cache import agenda_ics
from eventapp.mail import emails
from eventapp.models import Status

from .factories import make_event, make_item, make_registration


def standard(message, *, smtp: bool = False) -> bytes:
    """What bytes(message) writes, or with `smtp` what smtplib's send_message sends."""
    if not smtp:
        return bytes(message)
    buffer = io.BytesIO()
    BytesGenerator(buffer).flatten(message, linesep="\r\n")
    return buffer.getvalue()


def test_the_confirmation_is_written_as_the_email_package_writes_it(app):
    with app.test_request_context():
        event = make_event(title="Forum")
        for n in range(30):
            make_item(event, title=f"Session {n}: é & ü",
                      starts_at=event.starts_at.replace(minute=n))
        registration = make_registration(event, email="ana@example.org",
                                         given_name="From here", status=Status.CONFIRMED)
        db.session.commit()

        first, second = (emails.build(registration, "confirmation") for _ in range(2))
        for message in (first, second):
            assert emails.as_bytes(message) == standard(message)
            assert emails.as_bytes(message, smtp=True) == standard(message, smtp=True)
        assert first.get_boundary() != second.get_boundary()

        parsed = message_from_bytes(emails.as_bytes(first), policy=policy.default)
        [attachment] = parsed.iter_attachments()
        assert attachment.get_filename() == "agenda.ics"
        assert attachment.get_content_type() == "text/calendar"
        assert attachment.get_payload(decode=True) == emails.published(agenda_ics(event))
        assert "From here" in parsed.get_body(("plain",)).get_content()


def test_a_boundary_is_never_in_the_text(monkeypatch):
    monkeypatch.setattr(emails.random, "randrange", lambda _stop: 42)
    token = "=" * 15 + "0000000000000000042=="
    assert emails._boundary("plain text", "<p>html</p>") == token
    assert emails._boundary(f"quoted:\n--{token}\n", f"--{token}.0") == f"{token}.1"
