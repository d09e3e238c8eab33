"""Organisers' messages to participants: writing them (a version per language), choosing
who gets them (the desk's filters), and sending, now or at a time.

Sending never runs in a request: the view commits the decision (the message `sending`)
and `tasks.send_batch` queues the recipients' copies, BATCH at a time, each a MailRecord
of the message that the outbox delivers (outbox.py). The filter is applied again at each
batch, and only people without a copy yet are taken: a batch run twice, or two runs at
once, queue nobody twice (the unique (message_id, registration_id) of mail_record, with
an INSERT that skips what exists). A message whose task was lost is picked up by the
periodic task (tasks.send_due), as is a scheduled one when its time comes.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from eventapp.core.changelog import record as log_change
from eventapp.extensions import db
from eventapp.mail import outbox, placeholders
from eventapp.mail.messages import placeholder_values, version_for
from eventapp.models import (
    Event,
    MailRecord,
    MailStatus,
    MessageKind,
    MessageStatus,
    MessageVersion,
    OrganiserMessage,
    Registration,
    User,
)
from eventapp.models.types import utcnow
from eventapp.registration import desk

#: Copies queued per run of the task: a few seconds of work, well inside any timeout.
BATCH = 500
#: A message sending with no batch for this long lost its task (see tasks.send_due).
STALLED_AFTER = timedelta(minutes=2)
#: Messages that may still be changed, sent or scheduled.
EDITABLE = frozenset({MessageStatus.DRAFT, MessageStatus.SCHEDULED, MessageStatus.CANCELLED})
#: The desk's filters a message's recipients are chosen by.
FILTER_KEYS = ("status", "category", "country", "checked_in")


class CannotSend(Exception):
    """The message is not in a state to be sent or scheduled; str(error) says why."""


def languages() -> tuple[str, ...]:
    """The languages a message can be written in: the site's."""
    return tuple(current_app.config["LANGUAGES"])


# --- Writing ----------------------------------------------------------------------------


def new_message(event: Event, author: User | None) -> OrganiserMessage:
    """An empty draft, to everyone confirmed. Added, not flushed."""
    message = OrganiserMessage(
        event=event, created_by=author, recipients={"status": "confirmed"}, versions=[]
    )
    db.session.add(message)
    return message


def save(
    message: OrganiserMessage,
    versions: Mapping[str, tuple[str, str]],
    recipients: Mapping[str, str],
) -> None:
    """Set the versions ({language: (subject, body)}; both empty: no version in that
    language) and the recipients' filter (FILTER_KEYS, as query arguments). The form has
    checked them (`problems`). Logged; no commit."""
    existing = {v.language: v for v in message.versions}
    for language, (subject, body) in versions.items():
        version = existing.get(language)
        if not subject and not body:
            if version is not None:
                message.versions.remove(version)
        elif version is None:
            message.versions.append(MessageVersion(language=language, subject=subject, body=body))
        else:
            version.subject, version.body = subject, body
    message.recipients = recipient_filter(recipients)
    db.session.flush()
    log_change(
        message.event,
        "message",
        message.id,
        "update",
        _("Message saved: %(subject)s", subject=title(message)),
    )


def recipient_filter(args: Mapping[str, str]) -> dict[str, str]:
    """Only the filters a message is sent by, cleaned as the desk cleans them."""
    parsed = desk.Filters.parse({k: v for k, v in args.items() if k in FILTER_KEYS})
    return {k: v for k, v in parsed.args(sort="", dir="", page="").items() if k in FILTER_KEYS}


def problems(subject: str, body: str) -> tuple[str | None, str | None]:
    """What is wrong with one language's subject and body (translated), or None each."""
    subject_problem = body_problem = None
    if unknown := placeholders.unknown(subject, subject=True):
        if unknown == ["ticket"]:
            subject_problem = _("The e-ticket cannot go in the subject, only in the message.")
        else:
            subject_problem = _unknown_message(unknown)
    if unknown := placeholders.unknown(body):
        body_problem = _unknown_message(unknown)
    if subject and not body:
        body_problem = body_problem or _("Write the message too, or leave both empty.")
    if body and not subject:
        subject_problem = subject_problem or _("Write a subject too, or leave both empty.")
    return subject_problem, body_problem


def _unknown_message(names: list[str]) -> str:
    return _(
        "Unknown placeholder: %(names)s. The placeholders are listed below the form.",
        names=", ".join(f"{{{name}}}" for name in names),
    )


def title(message: OrganiserMessage) -> str:
    """What the organisers' pages call the message: its subject in the first language it
    has (the reminder's is ours)."""
    if message.kind == MessageKind.REMINDER:
        return _("Automatic reminder before the event")
    if not message.versions:
        return _("(no subject yet)")
    # The event's title filled in: the same for everyone, and what the subject reads as.
    subject = version_for(message, languages()[0]).subject
    return subject.replace("{event_title}", message.event.title)


# --- Recipients -------------------------------------------------------------------------


def filters_of(recipients: Mapping[str, str]) -> desk.Filters:
    """A message's recipients as the desk's filters."""
    return desk.Filters.parse(recipients)


def recipient_ids(event: Event, recipients: Mapping[str, str]) -> list[int]:
    """The registrations a message with this filter goes to, by name: those the desk's
    filter shows that have an e-mail address (not anonymised, not added without one)."""
    ids = desk.matching_ids(event, filters_of(recipients))
    with_address = set(
        db.session.scalars(
            select(Registration.id).where(
                Registration.event_id == event.id, Registration.email.is_not(None)
            )
        )
    )
    return [i for i in ids if i in with_address]


def count(event: Event, recipients: Mapping[str, str]) -> int:
    """How many people a message with this filter would go to now."""
    return len(recipient_ids(event, recipients))


@dataclass
class Progress:
    recipients: int
    queued: int = 0
    sent: int = 0
    failed: int = 0


def progress(message: OrganiserMessage) -> Progress:
    """How far the sending is, from the message's copies: waiting in the outbox (or being
    tried again), delivered (sent, or written to the outbox folder), failed for good."""
    by_status: Counter = Counter(
        dict(
            db.session.execute(
                select(MailRecord.status, func.count())
                .where(MailRecord.message_id == message.id)
                .group_by(MailRecord.status)
            ).all()
        )
    )
    return Progress(
        recipients=max(message.recipient_count, sum(by_status.values())),
        queued=sum(
            by_status[s] for s in (MailStatus.QUEUED, MailStatus.SENDING, MailStatus.RETRYING)
        ),
        sent=by_status[MailStatus.SENT] + by_status[MailStatus.WRITTEN],
        failed=by_status[MailStatus.FAILED],
    )


# --- Sending ----------------------------------------------------------------------------


def start(message: OrganiserMessage, *, due_by: datetime | None = None) -> None:
    """Mark the message sending (from a draft, a scheduled or a cancelled one; with
    `due_by`, only if it is still scheduled for then or before): the task queues the
    copies once this is committed. Raises CannotSend. No commit."""
    _check_sendable(message)
    now = utcnow()
    startable: ColumnElement[bool] = OrganiserMessage.status.in_(EDITABLE)
    if due_by is not None:  # cancelled or moved meanwhile: not now
        startable = and_(
            OrganiserMessage.status == MessageStatus.SCHEDULED, OrganiserMessage.send_at <= due_by
        )
    # One UPDATE, so two organisers pressing "send" at once start it once.
    started = db.session.execute(
        update(OrganiserMessage)
        .where(OrganiserMessage.id == message.id, startable)
        .values(
            status=MessageStatus.SENDING,
            started_at=now,
            progress_at=now,
            send_at=None,
            recipient_count=count(message.event, message.recipients),
        )
        .execution_options(synchronize_session=False)
    )
    if started.rowcount != 1:  # type: ignore[attr-defined]
        raise CannotSend(_("This message is being sent or was sent already."))
    db.session.refresh(message)
    log_change(
        message.event,
        "message",
        message.id,
        "send",
        _("Message sent: %(subject)s", subject=title(message)),
        {"recipients": message.recipient_count},
    )


def schedule(message: OrganiserMessage, when: datetime) -> None:
    """Have the message sent at `when` (aware) by the periodic task. Raises CannotSend.
    No commit."""
    _check_sendable(message)
    if when <= utcnow():
        raise CannotSend(_("Choose a time in the future."))
    message.status, message.send_at = MessageStatus.SCHEDULED, when
    log_change(
        message.event,
        "message",
        message.id,
        "schedule",
        _("Message scheduled: %(subject)s", subject=title(message)),
        {"send_at": when.isoformat()},
    )


def cancel(message: OrganiserMessage) -> None:
    """A scheduled message will not go (it can be edited and sent or scheduled again).
    Raises CannotSend when it is not scheduled (any more). No commit."""
    cancelled = db.session.execute(
        update(OrganiserMessage)
        .where(
            OrganiserMessage.id == message.id,
            OrganiserMessage.status == MessageStatus.SCHEDULED,
        )
        .values(status=MessageStatus.CANCELLED, send_at=None)
        .execution_options(synchronize_session=False)
    )
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        raise CannotSend(_("This message is not scheduled any more."))
    db.session.refresh(message)
    log_change(
        message.event,
        "message",
        message.id,
        "cancel",
        _("Scheduled message cancelled: %(subject)s", subject=title(message)),
    )


def delete_draft(message: OrganiserMessage) -> None:
    """Delete a draft (its versions go with it). Raises CannotSend when it is not a draft
    (any more: scheduled or sent meanwhile, one DELETE decides). No commit."""
    event, message_id, subject = message.event, message.id, title(message)
    deleted = db.session.execute(
        delete(OrganiserMessage)
        .where(
            OrganiserMessage.id == message.id,
            OrganiserMessage.status == MessageStatus.DRAFT,
            OrganiserMessage.kind == MessageKind.MESSAGE,
        )
        .execution_options(synchronize_session=False)
    )
    if deleted.rowcount != 1:  # type: ignore[attr-defined]
        raise CannotSend(_("Only a draft can be deleted: this one was scheduled or sent."))
    db.session.expunge(message)  # gone, with its versions (ON DELETE CASCADE)
    log_change(
        event,
        "message",
        message_id,
        "delete",
        _("Draft deleted: %(subject)s", subject=subject),
    )


def _check_sendable(message: OrganiserMessage) -> None:
    if message.status not in EDITABLE:
        raise CannotSend(_("This message is being sent or was sent already."))
    if not message.versions:
        raise CannotSend(_("Write the message first."))


def queue_batch(message_id: int, size: int = BATCH) -> bool:
    """Queue the copies of up to `size` more recipients of a message being sent; whether
    any remain. When none do, the message is sent. Commits (the outbox delivers the
    copies after the commit)."""
    message = db.session.get(OrganiserMessage, message_id)
    if message is None or message.status != MessageStatus.SENDING:
        db.session.rollback()
        return False
    have = set(
        db.session.scalars(
            select(MailRecord.registration_id).where(MailRecord.message_id == message.id)
        )
    )
    todo = [i for i in recipient_ids(message.event, message.recipients) if i not in have]
    now = utcnow()
    rows = [_copy(message, registration, now) for registration in desk.load(todo[:size])]
    outbox.queue_deliveries(_insert_new(rows))
    more = len(todo) > size
    message.progress_at = now
    if not more:
        message.status, message.finished_at = MessageStatus.SENT, now
    db.session.commit()
    return more


def _copy(message: OrganiserMessage, registration: Registration, now: datetime) -> dict[str, Any]:
    assert registration.email is not None  # recipient_ids: only people with an address
    subject = ""
    if message.kind == MessageKind.MESSAGE:
        # Shown on the registration's page before the worker builds the message.
        version = version_for(message, registration.language or "en")
        subject = placeholders.fill_subject(version.subject, placeholder_values(registration))
    return {
        "event_id": message.event_id,
        "registration_id": registration.id,
        "message_id": message.id,
        "kind": message.kind.value,
        "recipient": registration.email[:254],
        "subject": subject[:300],
        "status": MailStatus.QUEUED,
        "error": "",
        "attempts": 0,
        "created_at": now,
    }


def _insert_new(rows: list[dict[str, Any]]) -> list[int]:
    """Insert the copies, skipping anyone who has one of the message already (another run
    of the task got there first); the ids of those inserted."""
    if not rows:
        return []
    # The dialect's own insert, imported for the database in use: SQLAlchemy's PostgreSQL
    # dialect takes a tenth of a second to import, which every process on SQLite paid.
    dialect = "postgresql" if db.session.get_bind().dialect.name == "postgresql" else "sqlite"
    insert = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert
    statement = (
        insert(MailRecord)
        .on_conflict_do_nothing(index_elements=["message_id", "registration_id"])
        .returning(MailRecord.id)
    )
    return list(db.session.scalars(statement, rows).all())


def claim_due(now: datetime | None = None) -> list[int]:
    """Start the scheduled messages whose time has come; their ids. Commits."""
    now = now or utcnow()
    due = db.session.scalars(
        select(OrganiserMessage).where(
            OrganiserMessage.status == MessageStatus.SCHEDULED, OrganiserMessage.send_at <= now
        )
    ).all()
    started = []
    for message in due:
        try:
            start(message, due_by=now)
        except CannotSend:  # cancelled or started meanwhile
            db.session.rollback()
            continue
        db.session.commit()
        started.append(message.id)
    return started


def stalled(now: datetime | None = None) -> list[int]:
    """Messages sending whose last batch is STALLED_AFTER old: their task was lost."""
    late = (now or utcnow()) - STALLED_AFTER
    ids = list(
        db.session.scalars(
            select(OrganiserMessage.id).where(
                OrganiserMessage.status == MessageStatus.SENDING,
                or_(OrganiserMessage.progress_at.is_(None), OrganiserMessage.progress_at < late),
            )
        )
    )
    db.session.rollback()
    return ids
