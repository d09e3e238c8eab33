"""Sending a built message, through Flask-Mailman's backends.

Over SMTP when MAIL_SERVER is set (MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS
for STARTTLS, MAIL_TIMEOUT); otherwise each message is written as an .eml file under
instance/outbox/ (MAIL_OUTBOX moves it) and logged, which is what a development install
wants. `connection` is the one place these settings meet Flask-Mailman's.
"""

from __future__ import annotations

import email
import email.policy
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend
from flask_mailman.backends.smtp import EmailBackend

from eventapp.extensions import mail
from eventapp.models import MailStatus

log = logging.getLogger(__name__)


def deliver(message: EmailMessage) -> MailStatus:
    """Send one message: SENT when handed to the SMTP server, WRITTEN when written to the
    outbox folder. Raises whatever the backend raises (OSError, smtplib's errors, a
    ValueError for a header that cannot be written)."""
    connection, status = _connection()
    # As a context manager, the SMTP connection is closed whatever goes wrong: the
    # backend itself closes it only after a message went, or failed in smtplib.
    with connection:
        connection.send_messages([message])
    return status


def _connection() -> tuple[BaseEmailBackend, MailStatus]:
    """A backend from the configuration as it is now: read at every message rather than
    once by Mail.init_app, so a change of settings (tests, the venue mode) takes effect
    without a restart."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return mail.get_connection(
            SmtpBackend,
            host=config["MAIL_SERVER"],
            port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=False,
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
        ), MailStatus.SENT
    folder = config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox"
    return mail.get_connection(OutboxBackend, folder=Path(folder)), MailStatus.WRITTEN


class OutboxBackend(BaseEmailBackend):
    """Each message in an .eml file of its own, which any mail program opens (Flask-Mailman's
    file backend appends the messages of a connection to one .log file)."""

    def __init__(self, *, folder: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.folder = folder

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        """Write each message to the folder, and log where."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes())
            log.info(
                "e-mail to %s (%s) written to %s", ", ".join(message.to), message.subject, path
            )
        return len(email_messages)


class SmtpBackend(EmailBackend):
    """Flask-Mailman's SMTP backend, which also delivers to addresses with letters beyond
    ASCII before the @ (айнура@example.org): Flask-Mailman would encode such a mailbox as
    an RFC 2047 word, which no server delivers. Those messages go through smtplib's
    send_message, which writes the addresses as they are and asks the server for
    SMTPUTF8 (RFC 6531); every other message takes Flask-Mailman's own path."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        """Send the messages on one connection; how many went."""
        plain = [m for m in email_messages if _ascii_mailboxes(m)]
        wide = [m for m in email_messages if not _ascii_mailboxes(m)]
        sent = super().send_messages(plain) if plain else 0
        if not wide:
            return sent
        with self._lock:
            created = self.open()
            for message in wide:
                assert self.connection is not None
                self.connection.send_message(_utf8_message(message))
                sent += 1
            if created:
                self.close()
        return sent


def _ascii_mailboxes(message: EmailMessage) -> bool:
    return all(address.isascii() for address in [message.from_email, *message.recipients()])


def _utf8_message(message: EmailMessage) -> email.message.EmailMessage:
    """The message with its From and To as written: parsed again under the SMTPUTF8
    policy, since Flask-Mailman's MIME classes know only the old, ASCII-only one."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.SMTPUTF8)
    assert isinstance(parsed, email.message.EmailMessage)
    del parsed["From"], parsed["To"]
    parsed["From"] = message.from_email
    parsed["To"] = ", ".join(message.to)
    return parsed
