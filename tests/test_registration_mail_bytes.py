"""The e-mails as bytes: what the SMTP backend sends and the outbox holds parses back to
the same parts, the agenda byte for byte, with a boundary found nowhere in the text."""

from email import message_from_bytes, policy

from eventapp.extensions import db
from eventapp.feeds.calendar_cache import agenda_ics
from eventapp.mail import messages
from eventapp.models import Status

from .factories import make_event, make_item, make_registration


def on_the_wire(message) -> bytes:
    """What Flask-Mailman's SMTP backend hands the server."""
    return message.message().as_bytes(linesep="\r\n")


def test_the_confirmation_arrives_as_built(app):
    with app.test_request_context():
        event = make_event(title="Forum")
        for n in range(30):
            make_item(
                event, title=f"Session {n}: é & ü", starts_at=event.starts_at.replace(minute=n)
            )
        registration = make_registration(
            event, email="ana@example.org", given_name="From here", status=Status.CONFIRMED
        )
        db.session.commit()

        first, second = (messages.build(registration, "confirmation") for _ in range(2))
        raw = {name: on_the_wire(m) for name, m in (("first", first), ("second", second))}
        parsed = {
            name: message_from_bytes(data, policy=policy.default) for name, data in raw.items()
        }
        assert parsed["first"].get_boundary() != parsed["second"].get_boundary()
        # The outbox file (LF line ends) says the same.
        outbox = message_from_bytes(first.message().as_bytes(), policy=policy.default)
        for message in (parsed["first"], outbox):
            [attachment] = message.iter_attachments()
            assert attachment.get_filename() == "agenda.ics"
            assert attachment.get_content_type() == "text/calendar"
            assert attachment["Content-Transfer-Encoding"] == "base64"
            assert attachment.get_payload(decode=True) == messages.published(agenda_ics(event))
            text = message.get_body(("plain",)).get_content()
            assert "From here" in text and ">From here" not in text
    assert all(b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"") for data in raw.values())


def test_a_boundary_is_never_in_the_text(app, monkeypatch):
    monkeypatch.setattr(messages.random, "randrange", lambda _stop: 42)
    token = "=" * 15 + "0000000000000000042=="
    assert messages._boundary("plain text", "<p>html</p>") == token
    assert messages._boundary(f"quoted:\n--{token}\n", f"--{token}.0") == f"{token}.1"
    # And in a message, sent with CRLF line ends.
    text = f"quoted:\n--{token}\n"
    with app.test_request_context():
        message = messages.compose("Subject", "ana@example.org", text, f"<p>--{token}.0</p>")
        parsed = message_from_bytes(on_the_wire(message), policy=policy.default)
    assert parsed.get_boundary() == f"{token}.1"
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
