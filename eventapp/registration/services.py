"""The rules of registration: the window, public seats and the waiting list, moderation,
duplicates, registrations added by hand, and erasing personal data.

Plain functions over models: no request, no flash. Like every service they leave the
commit to the caller, except `register` and `cancel`, which must own their transaction
(see "Locking" below) and commit it themselves.

Public seats
    `Event.capacity` counts the *confirmed* registrations that take a public seat
    (`Registration.counts_towards_capacity`: public sign-ups of participants and press;
    never speakers, organisers, staff or anyone added by hand). Pending sign-ups of a
    moderated event are requests, not seats: 150 requests may wait for 100 seats, and
    approving one confirms it only while a seat is free. People on the waiting list come
    first: a new sign-up or approval is confirmed only while confirmed + waiting is below
    capacity, so nobody jumps the queue when seats open before the list is promoted.

Locking
    Every function that decides on seats first takes an exclusive lock on the event with
    ``UPDATE event SET capacity = capacity WHERE id = :id``. On PostgreSQL that locks the
    row until commit (inserts of registrations, which only take a key-share lock through
    their foreign key, are not blocked); on SQLite it takes the database's write lock at
    once, and the busy timeout makes other writers wait instead of failing. (A transaction
    that only read first would get SQLITE_BUSY when upgrading to write; the Python sqlite3
    driver opens its transaction just before the first write, so the lock is always the
    first statement of SQLite's transaction.) Then it counts, writes and commits: under
    the lock the counts cannot change. The unique constraint on (event_id, email_key)
    remains the last defence against a duplicate written by a path that does not lock.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, select, text, update
from sqlalchemy.exc import IntegrityError

from eventapp.core.changelog import record
from eventapp.core.labels import STATUSES
from eventapp.core.translated import localized
from eventapp.extensions import db
from eventapp.mail.outbox import queue_mail, signup_kind
from eventapp.models import (
    PUBLIC_CATEGORIES,
    Category,
    ChangeLogEntry,
    Dietary,
    Event,
    MailRecord,
    Registration,
    Status,
    TravelSupport,
    User,
)
from eventapp.models.registration import email_key, new_token
from eventapp.models.types import utcnow
from eventapp.registration import person_fields
from eventapp.registration.answers import clean as answers_clean

#: Text fields a sign-up may fill, as the form sends them (see `register`).
TEXT_FIELDS = (
    "honorific",
    "given_name",
    "family_name",
    "badge_name",
    "email",
    "organisation",
    "job_title",
    "country",
    "dietary",
    "dietary_other",
    "accessibility",
)
BOOL_FIELDS = ("photo_consent", "privacy_consent")


# --- Errors the person is told about ----------------------------------------------------


class RegistrationError(Exception):
    """A sign-up or change the rules refuse; str(error) is a translated message for people."""


class RegistrationClosed(RegistrationError):
    """Outside the event's registration window: `not_yet_open` says which side."""

    def __init__(self, event: Event, now: datetime):
        self.event = event
        self.opens_at = event.registration_opens_at
        self.closes_at = event.registration_closes_at
        self.state = window(event, now)
        self.not_yet_open = self.state == NOT_YET_OPEN
        if self.not_yet_open:
            assert self.opens_at is not None  # window() is NOT_YET_OPEN only before it
            message = _("Registration opens on %(when)s.", when=_local_text(event, self.opens_at))
        else:
            message = (
                _("Registration closed on %(when)s.", when=_local_text(event, self.closes_at))
                if self.closes_at
                else _("Registration is closed.")
            )
        super().__init__(message)


class AlreadyRegistered(RegistrationError):
    """This e-mail address already has a registration for the event (`existing`)."""

    def __init__(self, existing: Registration):
        self.existing = existing
        super().__init__(
            _(
                "This e-mail address is already registered for this event. "
                "We can send you the link to your registration again."
            )
        )


class ConsentRequired(RegistrationError):
    """The privacy notice was not accepted."""

    def __init__(self):
        super().__init__(_("Please accept the privacy notice to register."))


class WrongStatus(RegistrationError):
    """The registration is not in a status this action applies to."""

    def __init__(self, registration: Registration):
        self.registration = registration
        super().__init__(
            _(
                "This registration is %(status)s: that is not possible now.",
                status=str(STATUSES[registration.status]).lower(),
            )
        )


def _local_text(event: Event, moment: datetime) -> str:
    return event.local(moment).strftime("%Y-%m-%d %H:%M %Z")


# --- The registration window ------------------------------------------------------------

#: Where `now` falls in an event's registration window (the closed page shows which).
OPEN, NOT_YET_OPEN, CLOSED = "open", "not_yet_open", "closed"


def window(event: Event, now: datetime) -> str:
    """OPEN, NOT_YET_OPEN or CLOSED: whether the public may sign up at `now`. Opening
    and closing times are optional; the window includes its opening instant and ends
    just before its closing one. A full event stays open: sign-ups join the waiting
    list (see "Public seats" above)."""
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return NOT_YET_OPEN
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        return CLOSED
    return OPEN


# --- Reading ----------------------------------------------------------------------------


def privacy_version(event: Event, language: str | None = None) -> str:
    """The version of the event's privacy notice that consent is recorded against: the
    text shown in `language` (the sign-up page's), else the main language's."""
    shown = localized(event, "privacy_notice", language) if language else event.privacy_notice
    notice = unicodedata.normalize("NFC", str(shown or ""))
    return hashlib.sha256(notice.encode()).hexdigest()


def public_seats_taken(event: Event) -> int:
    """Public seats in use: confirmed registrations that count towards capacity."""
    return _counts(event.id)[Status.CONFIRMED]


def waitlist_position(registration: Registration) -> int | None:
    """1-based place on the waiting list (by waitlisted_at, then id), None when not on it."""
    if registration.status != Status.WAITLISTED or not registration.counts_towards_capacity:
        return None
    ids = list(
        db.session.scalars(_waiting_list(registration.event_id).with_only_columns(Registration.id))
    )
    return ids.index(registration.id) + 1 if registration.id in ids else None


def _counts(event_id: int) -> dict[Status, int]:
    """Confirmed and waitlisted registrations that take (or wait for) a public seat."""
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(
            Registration.event_id == event_id,
            Registration.counts_towards_capacity,
            Registration.status.in_((Status.CONFIRMED, Status.WAITLISTED)),
        )
        .group_by(Registration.status)
    ).all()
    counts = {Status.CONFIRMED: 0, Status.WAITLISTED: 0}
    counts.update({Status(status): n for status, n in rows})
    return counts


def _waiting_list(event_id: int):
    return (
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.counts_towards_capacity,
            Registration.status == Status.WAITLISTED,
        )
        # Portable NULLS LAST: rows written by raw SQL may lack the time.
        .order_by(Registration.waitlisted_at.is_(None), Registration.waitlisted_at, Registration.id)
    )


def _seat_free(event_id: int, capacity: int | None = None) -> bool:
    """A seat nobody waits for: to be called under the event lock. `capacity` is read
    unless given (by a caller that read the event under the lock)."""
    if capacity is None:
        capacity = _capacity(event_id)
    counts = _counts(event_id)
    return counts[Status.CONFIRMED] + counts[Status.WAITLISTED] < capacity


def _capacity(event_id: int) -> int:
    """The event's capacity as the database has it now (the event exists: it is locked)."""
    return db.session.execute(select(Event.capacity).where(Event.id == event_id)).scalar_one()


def _find(event_id: int, key: str | None) -> Registration | None:
    if key is None:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.email_key == key)
    )


# --- Locking ----------------------------------------------------------------------------


def lock_event(event_id: int) -> None:
    """Hold the event exclusively until the transaction ends (see the module docstring).

    A plain SQL UPDATE, not the ORM's, so Event.updated_at (feeds' Last-Modified) stays.
    """
    with db.session.no_autoflush:
        result = cast(
            CursorResult,
            db.session.execute(
                text("UPDATE event SET capacity = capacity WHERE id = :id"), {"id": event_id}
            ),
        )
    if result.rowcount != 1:
        raise LookupError(f"no event {event_id}")


# --- Input ------------------------------------------------------------------------------


def clean_details(data: Mapping[str, Any]) -> dict[str, Any]:
    """Strip and NFC-normalise text, check lengths and choices; never truncate."""
    unknown = set(data) - set(TEXT_FIELDS) - set(BOOL_FIELDS)
    if unknown:
        raise ValueError(f"unknown registration fields: {sorted(unknown)}")
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = person_fields.clean_text(str(data.get(name) or ""))
        if name != "dietary" and len(value) > person_fields.max_length(name):
            raise ValueError(f"{name} is longer than {person_fields.max_length(name)} characters")
        fields[name] = value
    fields["country"] = fields["country"].upper()
    try:
        fields["dietary"] = Dietary(fields["dietary"] or Dietary.NONE)
    except ValueError:
        raise ValueError(f"unknown dietary need {fields['dietary']!r}") from None
    if fields["dietary"] != Dietary.OTHER:
        fields["dietary_other"] = ""  # the catering summary counts only what is chosen
    fields["email"] = fields["email"] or None
    for name in BOOL_FIELDS:
        fields[name] = bool(data.get(name))
    if not fields["given_name"]:
        raise ValueError("given_name is required")
    return fields


# --- Signing up -------------------------------------------------------------------------


def register(
    event: Event,
    data: Mapping[str, Any],
    *,
    language: str,
    category: Category = Category.PARTICIPANT,
    now: datetime | None = None,
    answers: Mapping[Any, Any] | None = None,
    then: Callable[[Registration], Any] | None = None,
) -> Registration:
    """The public sign-up: commits and returns the new registration, with the e-mail it
    gets queued (mail.outbox) in the same transaction, or raises.

    `data` holds the form's fields (TEXT_FIELDS and BOOL_FIELDS; missing ones are empty),
    `answers` the answers to the event's custom questions by question id (checked by
    answers.clean: ValueError for an option not offered or a text too long). `then` is
    called with the new registration before the commit, for what else the sign-up records
    in its transaction (a request for travel support).
    Raises ValueError for input the form should have refused (unknown field, too long,
    no given name or e-mail), ConsentRequired, RegistrationClosed outside the window,
    and AlreadyRegistered (carrying the existing registration) for an address already
    registered for the event, in any letter case; nothing is created then.

    Status: `pending` when the event is moderated, else `confirmed` while a public seat is
    free and nobody waits, else `waitlisted`.

    The one service that commits, because it must own its transaction: it first rolls
    back whatever the session holds (call it with nothing pending), then locks the event
    as the first statement, counts, inserts and commits.
    """
    if category not in PUBLIC_CATEGORIES:
        raise ValueError(f"{category} is not a public category; use add_by_hand")
    now = now or utcnow()
    fields = clean_details(data)
    fields["answers"] = answers_clean(event.questions, answers or {})
    if not fields["email"]:
        raise ValueError("email is required")
    if not fields.pop("privacy_consent"):
        raise ConsentRequired()
    key = email_key(fields["email"])
    event_id = event.id
    db.session.rollback()
    try:
        lock_event(event_id)
        event = db.session.get_one(Event, event_id, populate_existing=True)
        if window(event, now) != OPEN:
            raise RegistrationClosed(event, now)
        existing = _find(event_id, key)
        if existing is not None:
            raise AlreadyRegistered(existing)
        if event.moderation:
            status = Status.PENDING
        else:
            status = Status.CONFIRMED if _seat_free(event_id, event.capacity) else Status.WAITLISTED
        registration = Registration(
            event=event,
            **fields,
            category=category,
            status=status,
            language=language,
            counts_towards_capacity=True,
            privacy_consent_at=now,
            privacy_version=privacy_version(event, language),
            waitlisted_at=now if status == Status.WAITLISTED else None,
        )
        db.session.add(registration)
        db.session.flush()
        record(
            event,
            "registration",
            registration.id,
            "create",
            _("Signed up: %(status)s", status=STATUSES[status]),
            {"status": [None, status]},
        )
        # The e-mail is part of the sign-up: recorded with it, delivered once committed.
        queue_mail(registration, signup_kind(status))
        if then is not None:
            then(registration)
        db.session.commit()
    except IntegrityError:
        # Only a writer that does not take the event lock can get here (an import, say).
        db.session.rollback()
        existing = _find(event_id, key)
        if existing is None:
            raise
        raise AlreadyRegistered(existing) from None
    except BaseException:
        db.session.rollback()
        raise
    return registration


def add_by_hand(
    event: Event,
    data: Mapping[str, Any],
    *,
    category: Category,
    language: str = "en",
    person_id: int | None = None,
) -> Registration:
    """An organiser adds someone (speaker, VIP): confirmed, outside the public capacity.

    The window and consent do not apply (privacy_consent in `data` is recorded if given);
    the e-mail is optional. Raises AlreadyRegistered for an address already registered
    for the event. No commit: the caller commits.
    """
    fields = clean_details(data)
    consent = fields.pop("privacy_consent")
    lock_event(event.id)  # so a public sign-up with the same address cannot slip in
    db.session.flush()
    existing = _find(event.id, email_key(fields["email"]))
    if existing is not None:
        raise AlreadyRegistered(existing)
    now = utcnow()
    registration = Registration(
        event=event,
        **fields,
        category=category,
        status=Status.CONFIRMED,
        language=language,
        counts_towards_capacity=False,
        person_id=person_id,
        privacy_consent_at=now if consent else None,
        privacy_version=privacy_version(event) if consent else "",
    )
    db.session.add(registration)
    db.session.flush()
    record(
        event,
        "registration",
        registration.id,
        "create",
        _("Added by hand"),
        {"status": [None, Status.CONFIRMED], "category": [None, category]},
    )
    return registration


# --- Waiting list -----------------------------------------------------------------------


def cancel(registration: Registration, *, by: User | None = None) -> list[Registration]:
    """Cancel a registration and give freed public seats to the waiting list, in order.

    Returns the promoted registrations (usually none or one): the caller tells them by
    e-mail. Cancelling a cancelled or declined registration changes nothing.
    `by` is the organiser who cancelled, None when the participant did.

    Commits, like `register` and for the same reason: it rolls back whatever the session
    holds, locks the event first, and commits the cancellation with the promotions.
    """
    registration_id, event_id = registration.id, registration.event_id
    db.session.rollback()
    try:
        lock_event(event_id)
        registration = db.session.get_one(Registration, registration_id, populate_existing=True)
        if registration.status in (Status.CANCELLED, Status.DECLINED):
            db.session.rollback()
            return []
        old = registration.status
        registration.status = Status.CANCELLED
        record(
            registration.event,
            "registration",
            registration.id,
            "cancel",
            _("Cancelled by an organiser") if by is not None else _("Cancelled by the participant"),
            {"status": [old, Status.CANCELLED]},
        )
        db.session.flush()
        promoted = _fill_seats(registration.event)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return promoted


def promote_from_waitlist(event: Event) -> list[Registration]:
    """Confirm people from the waiting list, first come first served, while public seats
    are free (after a cancellation, or when an organiser raises the capacity).

    Returns the promoted registrations: the caller commits and tells them by e-mail.
    """
    lock_event(event.id)
    db.session.flush()  # a capacity the caller just raised counts
    return _fill_seats(event)


def _fill_seats(event: Event) -> list[Registration]:
    free = _capacity(event.id) - _counts(event.id)[Status.CONFIRMED]
    if free <= 0:
        return []
    promoted = list(db.session.scalars(_waiting_list(event.id).limit(free)))
    for registration in promoted:
        registration.status = Status.CONFIRMED
        record(
            event,
            "registration",
            registration.id,
            "promote",
            _("Promoted from the waiting list"),
            {"status": [Status.WAITLISTED, Status.CONFIRMED]},
        )
    db.session.flush()
    return promoted


# --- Moderation -------------------------------------------------------------------------


def approve(registration: Registration) -> Registration:
    """Accept a pending sign-up: confirmed while a public seat is free and nobody waits,
    else onto the waiting list. Raises WrongStatus unless pending. No commit."""
    lock_event(registration.event_id)
    db.session.flush()
    db.session.refresh(registration)
    if registration.status != Status.PENDING:
        raise WrongStatus(registration)
    if not registration.counts_towards_capacity or _seat_free(registration.event_id):
        registration.status = Status.CONFIRMED
    else:
        registration.status = Status.WAITLISTED  # stamps waitlisted_at: end of the list
    record(
        registration.event,
        "registration",
        registration.id,
        "approve",
        _("Approved: %(status)s", status=STATUSES[registration.status]),
        {"status": [Status.PENDING, registration.status]},
    )
    db.session.flush()
    return registration


def decline(registration: Registration) -> Registration:
    """Refuse a pending or waitlisted sign-up (neither holds a seat). Raises WrongStatus
    otherwise: a confirmed registration is cancelled instead. No commit."""
    lock_event(registration.event_id)
    db.session.flush()
    db.session.refresh(registration)
    if registration.status not in (Status.PENDING, Status.WAITLISTED):
        raise WrongStatus(registration)
    old = registration.status
    registration.status = Status.DECLINED
    record(
        registration.event,
        "registration",
        registration.id,
        "decline",
        _("Declined"),
        {"status": [old, Status.DECLINED]},
    )
    db.session.flush()
    return registration


# --- Personal data (GDPR) ---------------------------------------------------------------


def anonymise(registration: Registration) -> Registration:
    """Erase the person's data and keep the row for the counts. No commit.

    Erased: names, e-mail, organisation, job title, accessibility needs, dietary needs
    (halal or kosher can reveal a religion), photo consent, the answers to the custom
    questions, the link to a speaker profile, the old/new values and summaries of its
    change-log entries, the recipient, subject and error of the e-mails it was sent
    (MailRecord: the kinds, statuses and times stay), and what they wrote for travel
    support (passport name, where from, why: the decision and amounts stay); the
    self-service token is replaced, so the old link stops working.
    Kept, for statistics: status, category, country, language, the consent time and
    version (proof that the data was collected lawfully), check-in and print times.
    Anonymising twice changes nothing. It does not cancel: cancel first to free a seat.
    """
    if registration.anonymised_at is not None:
        return registration
    _erase(registration, utcnow())
    _scrub_change_log([registration.id])
    _scrub_mail_records([registration.id])
    _scrub_travel_support([registration.id])
    record(
        registration.event, "registration", registration.id, "anonymise", _("Personal data erased")
    )
    return registration


def anonymise_event(event: Event) -> int:
    """Erase personal data of every registration of the event (after the retention
    period); returns how many were erased now, which the event and its change log
    record. No commit."""
    now = utcnow()
    registrations = list(
        db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id, Registration.anonymised_at.is_(None)
            )
        )
    )
    for registration in registrations:
        _erase(registration, now)
    _scrub_change_log([r.id for r in registrations])
    _scrub_mail_records([r.id for r in registrations])
    _scrub_travel_support([r.id for r in registrations])
    if registrations:
        event.anonymised_at = now
        event.anonymised_count += len(registrations)
        record(
            event,
            "event",
            event.id,
            "anonymise",
            _("Personal data of %(num)d registrations erased", num=len(registrations)),
            {"registrations": len(registrations)},
        )
    db.session.flush()
    return len(registrations)


def _erase(registration: Registration, now: datetime) -> None:
    from eventapp.travel import claims, visa_letters  # travel builds on registrations

    # Passport data and bank details go with the rest (eventapp/travel).
    visa_letters.erase_for_registration(registration)
    claims.erase_for_registration(registration)
    for name in (
        "honorific",
        "given_name",
        "family_name",
        "badge_name",
        "organisation",
        "job_title",
        "accessibility",
        "dietary_other",
    ):
        setattr(registration, name, "")
    registration.email = None  # and email_key, through the model's validator
    registration.dietary = Dietary.NONE
    registration.photo_consent = False
    registration.answers = {}  # free text and choices may say anything about the person
    registration.person_id = None
    registration.token = new_token()
    registration.anonymised_at = now


def _scrub_change_log(registration_ids: list[int]) -> None:
    for start in range(0, len(registration_ids), 500):  # stay under parameter limits
        db.session.execute(
            update(ChangeLogEntry)
            .where(
                ChangeLogEntry.entity == "registration",
                ChangeLogEntry.entity_id.in_(registration_ids[start : start + 500]),
            )
            .values(changes={}, summary="")
        )


def _scrub_mail_records(registration_ids: list[int]) -> None:
    # The address, and the error, which often quotes it ("550 <x@y>: no such user").
    for start in range(0, len(registration_ids), 500):
        db.session.execute(
            update(MailRecord)
            .where(MailRecord.registration_id.in_(registration_ids[start : start + 500]))
            .values(recipient="", subject="", error="")
        )


def _scrub_travel_support(registration_ids: list[int]) -> None:
    # What the person wrote (passport name, where from, why); the decision, estimates and
    # bookings' costs stay, so the budget's figures do not move after an erasure.
    for start in range(0, len(registration_ids), 500):
        db.session.execute(
            update(TravelSupport)
            .where(TravelSupport.registration_id.in_(registration_ids[start : start + 500]))
            .values(
                passport_name="",
                departure_city="",
                departure_airport="",
                outbound_time="",
                return_time="",
                remarks="",
                justification="",
                decision_note="",
            )
        )
