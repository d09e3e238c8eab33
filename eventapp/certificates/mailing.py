"""E-mailing the certificates of attendance: everyone who has one gets theirs, once."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from eventapp.certificates.services import attendees
from eventapp.extensions import db
from eventapp.mail.records import send_certificate
from eventapp.models import Event, MailRecord, MailStatus

#: Time one "e-mail everyone" request may spend sending, well inside gunicorn's 30 s
#: timeout; pressing again sends the rest, never twice the same.
SEND_SECONDS = 20


@dataclass
class CertificateMailResult:
    delivered: int = 0
    failed: int = 0
    #: Checked in but without an e-mail address (added by hand, a walk-in without one).
    skipped: int = 0
    #: Sent a certificate before (sent, written, or waiting in the outbox): not again.
    already: int = 0
    #: Left for another round because the time given ran out.
    remaining: int = 0


def send_certificates(event: Event, *, seconds: float | None = None) -> CertificateMailResult:
    """E-mail every person with a certificate (certificates.services.attendees) theirs,
    once: whoever was sent one already is left out, so pressing the button again after a
    timeout or for late arrivals sends only what is missing. Commits after each message,
    so a failure halfway loses nothing sent before it.

    `seconds` bounds the time spent (a request must end before the server's timeout, and
    sending takes time): the rest is counted in `remaining`.
    """
    result = CertificateMailResult()
    sent_before = set(
        db.session.scalars(
            select(MailRecord.registration_id).where(
                MailRecord.event_id == event.id,
                MailRecord.kind == "certificate",
                # Sent, or on its way (the outbox): queued again it would go twice.
                MailRecord.status != MailStatus.FAILED,
            )
        )
    )
    deadline = None if seconds is None else time.monotonic() + seconds
    for registration in attendees(event):
        if not registration.email:
            result.skipped += 1
        elif registration.id in sent_before:
            result.already += 1
        elif (
            deadline is not None
            and (result.delivered or result.failed)
            and time.monotonic() > deadline
        ):  # one at least, so every round moves on
            result.remaining += 1
        elif send_certificate(registration):
            result.delivered += 1
        else:
            result.failed += 1
    return result
