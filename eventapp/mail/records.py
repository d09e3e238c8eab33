"""Sending a participant's e-mail and recording it: the `send_*` functions callers use.

Every message is recorded in MailRecord (kind, recipient, subject, queued / sent /
written / failed, the error, attempts): the organisers see on a registration's page what
it was sent, and the desk counts the failures. The record is written `queued` and a
worker builds and delivers it once committed (outbox.py), so a mail server that is down
never slows or loses a sign-up; a message that failed for good can be resent later
(resend.py), rebuilt from the registration as it is then, so its link and details are
current.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver
from eventapp.mail.messages import build, mail_domain
from eventapp.mail.outbox import queue_mail, signup_kind
from eventapp.models import MailRecord, MailStatus, Registration
from eventapp.models.types import utcnow

log = logging.getLogger(__name__)

MAIL_STATUSES = {
    MailStatus.QUEUED: _l("Waiting to be sent"),
    MailStatus.SENDING: _l("Being sent"),
    MailStatus.RETRYING: _l("Waiting to be sent again"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.WRITTEN: _l("Written to the outbox folder"),
    MailStatus.FAILED: _l("Failed"),
}


def send_signup(registration: Registration) -> bool:
    """After a sign-up: the message that matches the status it got."""
    return _delivered(registration, signup_kind(registration.status))


def send_confirmation(registration: Registration) -> bool:
    """Confirmed: the event's details, the self-service link and the agenda (.ics)."""
    return _delivered(registration, "confirmation")


def send_approval(registration: Registration) -> bool:
    """An organiser approved the sign-up: confirmed (with the agenda) or waiting list."""
    return _delivered(registration, "approval")


def send_decline(registration: Registration) -> bool:
    """An organiser declined the sign-up."""
    return _delivered(registration, "decline")


def send_promotion(registration: Registration) -> bool:
    """A seat opened: the person moved from the waiting list to confirmed."""
    return _delivered(registration, "promotion")


def send_cancellation(registration: Registration) -> bool:
    """The person (or an organiser) cancelled."""
    return _delivered(registration, "cancellation")


def send_link_again(registration: Registration) -> bool:
    """Someone tried to sign up again with this address: the link to the registration."""
    return _delivered(registration, "link")


def send_certificate(registration: Registration) -> bool:
    """The certificate of attendance as a PDF, with its verification code; for people
    who have one (certificates.services.is_valid). Gives them their code if they have
    none yet (committed with the record)."""
    return _delivered(registration, "certificate")


def _delivered(registration: Registration, kind: str) -> bool:
    """Record the message queued and commit: a worker delivers it (outbox.py). Whether it
    is on its way (or, with TASKS_IMMEDIATE, went); False when it failed, or when the
    person has no address (anonymised, or added by hand without one): nothing is sent.

    Commits, with whatever change of the session the message tells about."""
    mail = queue_mail(registration, kind)
    if mail is None:
        return False
    db.session.commit()
    # Read after the commit: a worker in this process (TASKS_IMMEDIATE) has delivered it.
    return mail.status != MailStatus.FAILED


def attempt(mail: MailRecord, registration: Registration) -> None:
    """Build and deliver, and write the outcome into the record (not committed).

    Whatever goes wrong is the message's failure, recorded to be resent, never the
    caller's: the change the message tells about is saved already, and the person must
    get its page rather than an error."""
    assert registration.email is not None  # the callers send only to an address
    mail.recipient = registration.email[:254]
    try:
        message = build(registration, mail.kind, mail.message)
        message.extra_headers["Message-ID"] = message_id(mail)
        mail.subject = message.subject[:300]
        mail.status = deliver(message)
    except Exception as exc:  # noqa: BLE001 (any failure: see the docstring)
        log.exception(
            "could not send the %s e-mail of registration %s", mail.kind, mail.registration_id
        )
        mail.status = MailStatus.FAILED
        mail.error = f"{type(exc).__name__}: {exc}"[:1000]
    else:
        mail.error = ""
        mail.sent_at = utcnow()


def message_id(mail: MailRecord) -> str:
    """The record's own Message-ID, the same at every attempt: should a message go twice
    (a worker killed between the server's answer and recording it), mail programs show
    it once, and the mail server's log tells the two apart from two messages. Unique
    beyond this database too: the record's creation to the microsecond is in it."""
    created = mail.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<{created}.{mail.id}.eventapp@{mail_domain()}>"


def records_of(registration: Registration) -> list[MailRecord]:
    """The messages sent to a registration, newest first."""
    return list(
        db.session.scalars(
            select(MailRecord)
            .where(MailRecord.registration_id == registration.id)
            .order_by(MailRecord.id.desc())
        )
    )
