"""The outbox: every participant's e-mail is a MailRecord `queued` in the transaction of
the change it tells about, delivered by a worker once that transaction is committed.

Enqueueing: `queue_delivery` notes the record on its session; when the session commits,
a `deliver_mail` task is enqueued for each (after the commit, so the worker finds the
record; a rollback enqueues nothing). Should the enqueue itself be lost (the process dies
after the commit, the queue's storage is down), `sweep` finds the record still queued a
minute later and enqueues it again.

Delivering at most once: a worker claims the record before it sends, by one UPDATE that
succeeds only while the record is queued, retrying and due, or sending with an expired
claim; the claim is a lease of MAIL_LEASE_SECONDS, ended by recording the outcome. Two
workers, or one task enqueued twice, cannot both send: only one UPDATE changes the row.
A record sent or written is never claimed again. A worker killed while it holds the claim
leaves the record `sending`: when the lease has run out, `sweep` enqueues it again and
another worker sends it; a worker starting (`recover`) gives each such record a task due
when its lease ends, so a restarted worker delivers a killed one's messages without
waiting for the sweep. So a worker killed after the mail server took the message but
before the outcome was committed (a window of one UPDATE) has it sent twice: at least
once, never lost, and no more than that in any other case. Both copies carry the
record's one Message-ID (records.message_id), so mail programs show it once.

MAIL_LEASE_SECONDS and MAIL_LOST_AFTER_SECONDS change the two delays (tests shorten them).

Retries: a failed attempt is tried again after each of MAIL_RETRY_DELAYS (growing), then
the record is `failed`, for the desk to resend (resend.py). With TASKS_IMMEDIATE (the
tests), nothing would run a later attempt: a failure is final at once, as before.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, event, or_, select, update
from sqlalchemy.orm import Session

from eventapp.extensions import db
from eventapp.models import MailRecord, MailStatus, Registration, Status
from eventapp.models.types import utcnow
from eventapp.queue.tasks import at_start, get_huey, periodic_task, task

log = logging.getLogger(__name__)

#: Seconds before each new attempt after a failure: five retries over about two hours.
RETRY_DELAYS = (30, 120, 600, 1800, 5400)
#: How long a worker's claim on a record lasts: far longer than an SMTP exchange can
#: take (MAIL_TIMEOUT), so only a dead worker's claim runs out.
LEASE_SECONDS = 300
#: Seconds after which a record queued and still queued, or overdue, lost its task.
LOST_AFTER_SECONDS = 60

_PENDING = "outbox_pending"
_ON_ITS_WAY = (MailStatus.QUEUED, MailStatus.SENDING, MailStatus.RETRYING)


def queue_mail(registration: Registration, kind: str) -> MailRecord | None:
    """Record a message to the person queued, in the session's transaction (flushed, not
    committed), to be delivered once it commits; None when the person has no address
    (anonymised, or added by hand without one): nothing is sent."""
    if not registration.email:
        return None
    mail = MailRecord(
        event_id=registration.event_id,
        registration_id=registration.id,
        kind=kind,
        recipient=registration.email[:254],
        status=MailStatus.QUEUED,
        attempts=0,
    )
    db.session.add(mail)
    db.session.flush()
    queue_delivery(mail)
    return mail


def signup_kind(status: Status) -> str:
    """The message a new sign-up gets: the one that matches the status it got."""
    return {Status.CONFIRMED: "confirmation", Status.WAITLISTED: "waitlisted"}.get(
        status, "pending"
    )


def queue_delivery(mail: MailRecord) -> None:
    """Deliver this (queued, flushed) record once its session's transaction commits."""
    assert mail.id is not None
    queue_deliveries([mail.id])


def queue_deliveries(record_ids: list[int]) -> None:
    """Deliver these queued records (inserted in bulk) once the transaction commits."""
    db.session.info.setdefault(_PENDING, []).extend(record_ids)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for record_id in session.info.pop(_PENDING, []):
        try:
            deliver_mail(record_id)
        except Exception:  # the queue's storage is down: the sweep enqueues it later
            log.exception("could not enqueue e-mail record %s", record_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


# Retried by the queue when the database itself fails (busy, restarting): the claim and
# the outcome are each one committed step, so running the task again is safe.
@task(retries=3, retry_delay=2)
def deliver_mail(record_id: int) -> None:
    """Claim, build, deliver and record one queued message (see the module's docstring)."""
    from eventapp.mail.records import attempt

    if not claim(record_id):
        return
    mail = db.session.get(MailRecord, record_id)
    assert mail is not None
    registration = mail.registration
    if registration is None or not registration.email:
        mail.status, mail.error = MailStatus.FAILED, "No e-mail address any more."
    else:
        attempt(mail, registration)
    mail.next_try_at = None
    delays = _retry_delays()
    retry = mail.status == MailStatus.FAILED and mail.attempts <= len(delays)
    if retry:
        delay = delays[mail.attempts - 1]
        mail.status, mail.next_try_at = MailStatus.RETRYING, utcnow() + timedelta(seconds=delay)
    db.session.commit()
    if retry:
        deliver_mail.schedule((record_id,), delay=delay)


def claim(record_id: int) -> bool:
    """Take the record for one attempt, counted; whether this worker got it (committed)."""
    now = utcnow()
    lease = int(_config("MAIL_LEASE_SECONDS", LEASE_SECONDS))
    claimed = db.session.execute(
        update(MailRecord)
        .where(MailRecord.id == record_id, _claimable(now))
        .values(
            status=MailStatus.SENDING,
            next_try_at=now + timedelta(seconds=lease),
            attempts=MailRecord.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        MailRecord.status == MailStatus.QUEUED,
        and_(
            MailRecord.status.in_([MailStatus.RETRYING, MailStatus.SENDING]),
            MailRecord.next_try_at <= now,
        ),
    )


@periodic_task(minute="*")
def sweep() -> None:
    """Enqueue again the records whose task was lost: queued for a minute, or whose
    retry or claim is a minute overdue (the worker holding it was killed)."""
    now = utcnow()
    late = now - timedelta(seconds=int(_config("MAIL_LOST_AFTER_SECONDS", LOST_AFTER_SECONDS)))
    lost = db.session.scalars(
        select(MailRecord.id).where(
            or_(
                and_(MailRecord.status == MailStatus.QUEUED, MailRecord.created_at < late),
                and_(
                    MailRecord.status.in_([MailStatus.RETRYING, MailStatus.SENDING]),
                    MailRecord.next_try_at < late,
                ),
            )
        )
    ).all()
    db.session.rollback()
    for record_id in lost:
        deliver_mail(record_id)


@at_start
@task()
def recover() -> None:
    """When a worker starts (after one was killed, say): every record still on its way gets
    a task when it would count as lost (a queued one LOST_AFTER after it was recorded, a
    claimed or retrying one when its lease or delay ends), rather than waiting for a
    sweep a minute after that. A record whose task was not lost after all is claimed by
    one of the two only."""
    now = utcnow()
    lost_after = timedelta(seconds=int(_config("MAIL_LOST_AFTER_SECONDS", LOST_AFTER_SECONDS)))
    pending = db.session.execute(
        select(MailRecord.id, MailRecord.status, MailRecord.created_at, MailRecord.next_try_at)
        .where(MailRecord.status.in_(_ON_ITS_WAY))
        .order_by(MailRecord.id)
    ).all()
    db.session.rollback()
    for record_id, status, created_at, next_try_at in pending:
        due = created_at + lost_after if status == MailStatus.QUEUED else next_try_at or now
        if due <= now:
            deliver_mail(record_id)
        else:
            deliver_mail.schedule((record_id,), delay=(due - now).total_seconds())


def _retry_delays() -> tuple[int, ...]:
    if get_huey().immediate:
        return ()
    return tuple(_config("MAIL_RETRY_DELAYS", RETRY_DELAYS))


def _config(key: str, default: Any) -> Any:
    return current_app.config.get(key, default)
