"""Resending a failed e-mail: which ones may go again, and queueing them again for the
worker, which rebuilds them from the registration as it is then (after the mail server
was down during a rush, say). Nothing is sent in the organiser's request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventapp.certificates.services import is_valid
from eventapp.core.changelog import record as log_change
from eventapp.core.labels import STATUSES
from eventapp.extensions import db
from eventapp.mail.messages import KIND_LABELS
from eventapp.mail.outbox import queue_delivery
from eventapp.mail.records import records_of
from eventapp.models import (
    Event,
    LetterStatus,
    MailRecord,
    MailStatus,
    Registration,
    Status,
    VisaLetter,
)

#: Every kind of message, with the statuses in which it still tells the truth: a failed
#: message is resent only while its registration is in one of them (None: any status).
TRUE_IN: dict[str, frozenset[Status] | None] = {
    "confirmation": frozenset({Status.CONFIRMED}),
    "waitlisted": frozenset({Status.WAITLISTED}),
    "pending": frozenset({Status.PENDING}),
    "approval": frozenset({Status.CONFIRMED, Status.WAITLISTED}),
    "decline": frozenset({Status.DECLINED}),
    "promotion": frozenset({Status.CONFIRMED}),
    "cancellation": frozenset({Status.CANCELLED}),
    "link": None,
    # Any status: whether the person still has a certificate is checked on its own
    # (resend_problem).
    "certificate": None,
    # The event is coming: only confirmed people are reminded.
    "reminder": frozenset({Status.CONFIRMED}),
    # An organiser's message says what they wrote, whatever became of the registration.
    "message": None,
    # Rebuilt from the support as it is then: the decision or bookings of today.
    "support_approved": None,
    "support_declined": None,
    "itinerary": None,
    # Whatever the registration's status; the letter's must still be the one told of
    # (resend_problem).
    "visa_approved": None,
    "visa_declined": None,
    "visa_revoked": None,
    # The link to the survey: whatever the status (the page says if it is closed).
    "survey": None,
    "survey_reminder": None,
}

#: The visa letter's status each visa e-mail tells of.
VISA_STATUS = {
    "visa_approved": LetterStatus.APPROVED,
    "visa_declined": LetterStatus.DECLINED,
    "visa_revoked": LetterStatus.REVOKED,
}


class CannotResend(Exception):
    """A recorded message that is not to be sent again; str(error) says why, translated."""


def _newest_ids(event_id: int, registration_ids: list[int] | None = None) -> dict:
    """{(registration id, kind): id of the newest message of that kind}."""
    query = (
        select(MailRecord.registration_id, MailRecord.kind, func.max(MailRecord.id))
        .where(MailRecord.event_id == event_id)
        .group_by(MailRecord.registration_id, MailRecord.kind)
    )
    if registration_ids is not None:
        query = query.where(MailRecord.registration_id.in_(registration_ids))
    return {(rid, kind): newest for rid, kind, newest in db.session.execute(query)}


def resend_problem(mail: MailRecord, newest: dict | None = None) -> str | None:
    """Why this message is not to be resent (translated), or None when it can be.

    Only a failed message (one still in the outbox goes by itself), only the newest of
    its kind for the registration (a newer one was sent or tried since), only while the
    person has an address and the registration is still in a status the message is true
    of (a failed confirmation of someone who has cancelled since says nothing true any
    more).
    """
    if mail.status in (MailStatus.QUEUED, MailStatus.SENDING, MailStatus.RETRYING):
        return _("This e-mail is waiting to be sent.")
    if mail.status != MailStatus.FAILED:
        return _("This e-mail was delivered.")
    registration = mail.registration
    if registration is None or registration.anonymised_at is not None or not registration.email:
        return _("The registration has no e-mail address any more.")
    if newest is None:
        newest = _newest_ids(mail.event_id, [registration.id])
    # Organisers' messages are each their own: a newer one does not replace an older one.
    if mail.kind != "message" and newest.get((registration.id, mail.kind), mail.id) != mail.id:
        return _("A newer e-mail of this kind was sent since.")
    if mail.kind == "certificate" and not is_valid(registration):
        return _("Out of date: the person is no longer checked in.")
    if mail.kind in VISA_STATUS:
        letter = db.session.scalar(
            select(VisaLetter).where(VisaLetter.registration_id == registration.id)
        )
        if letter is None or letter.status != VISA_STATUS[mail.kind]:
            return _("Out of date: the visa letter was decided again since.")
    statuses = TRUE_IN.get(mail.kind, frozenset())
    if statuses is not None and registration.status not in statuses:
        return _(
            "Out of date: the registration is %(status)s now.",
            status=str(STATUSES[registration.status]).lower(),
        )
    return None


def resendable(registration: Registration) -> set[int]:
    """Ids of the registration's failed messages that can be resent."""
    records = records_of(registration)
    newest = _newest_ids(registration.event_id, [registration.id])
    return {
        m.id for m in records if m.status == MailStatus.FAILED and resend_problem(m, newest) is None
    }


def failed_to_resend(event: Event) -> list[MailRecord]:
    """The event's failed messages that can be resent (see resend_problem), oldest first."""
    failed = list(
        db.session.scalars(
            select(MailRecord)
            .where(MailRecord.event_id == event.id, MailRecord.status == MailStatus.FAILED)
            .options(selectinload(MailRecord.registration))
            .order_by(MailRecord.id)
        )
    )
    if not failed:
        return []
    newest = _newest_ids(event.id)
    return [m for m in failed if resend_problem(m, newest) is None]


def resend(mail: MailRecord) -> MailStatus:
    """Queue a failed message again: the worker rebuilds it from the registration as it is
    then (current link, details, waiting-list position and address) and delivers it. The
    same record keeps counting its attempts and takes the new outcome: one that had used
    up its retries is failed at once if it fails again, for the organisers to look into,
    rather than retried for hours more. The registration's change log says who resent it.

    Raises CannotResend (see resend_problem). Commits; the record's status after the
    commit: QUEUED (on its way), or with TASKS_IMMEDIATE already SENT, WRITTEN or FAILED.
    """
    problem = resend_problem(mail)
    if problem is not None:
        raise CannotResend(problem)
    registration = mail.registration
    assert registration is not None  # resend_problem refuses a message without one
    mail.status, mail.next_try_at = MailStatus.QUEUED, None
    queue_delivery(mail)
    log_change(
        registration.event,
        "registration",
        registration.id,
        "email_resend",
        _("E-mail queued to be sent again: %(kind)s", kind=KIND_LABELS.get(mail.kind, mail.kind)),
        {"email": mail.kind},
    )
    db.session.commit()
    db.session.refresh(mail)
    return mail.status


@dataclass
class ResendResult:
    delivered: int = 0
    failed: int = 0
    #: Queued for the worker, not delivered yet.
    queued: int = 0

    def count(self, status: MailStatus) -> None:
        if status == MailStatus.FAILED:
            self.failed += 1
        elif status in (MailStatus.SENT, MailStatus.WRITTEN):
            self.delivered += 1
        else:
            self.queued += 1


def resend_failed(
    event: Event, on_each: Callable[[MailRecord], None] | None = None
) -> ResendResult:
    """Queue again every failed message of the event that can be (after the mail server
    was down during a rush, say), oldest first; commits after each. `on_each` is told of
    each record once queued (with TASKS_IMMEDIATE: once tried)."""
    result = ResendResult()
    for mail in failed_to_resend(event):
        result.count(resend(mail))
        if on_each is not None:
            on_each(mail)
    return result
