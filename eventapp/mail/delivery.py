"""Sending a built message, through Flask-Mailman's backends.

Over SMTP when MAIL_SERVER is set (MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS
for STARTTLS, MAIL_TIMEOUT); otherwise each message is written as an .eml file under
instance/outbox/ (MAIL_OUTBOX moves it) and logged, which is what a development install
wants. `connection` is the one place these settings meet Flask-Mailman's.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

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
            "smtp", host=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            use_tls=bool(config.get("MAIL_USE_TLS")), use_ssl=False,
            timeout=float(config.get("MAIL_TIMEOUT") or 10)), MailStatus.SENT
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
            log.info("e-mail to %s (%s) written to %s", ", ".join(message.to),
                     message.subject, path)
        return len(email_messages)
