"""Checking people in at the door: by badge code or picked from a search, undo, walk-ins.

The rule "one check-in per person" holds with several volunteers scanning at once because
the database decides it: the check-in is one `UPDATE ... WHERE checked_in_at IS NULL`,
and only the request whose UPDATE changed the row reports "checked in now" and writes a
record. The other sees no row changed and reports "already checked in".

Plain functions over models; the views parse and commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from anyascii import anyascii
from sqlalchemy import CursorResult, select, update

from eventapp.extensions import db
from eventapp.models import (
    Category,
    CheckInAction,
    CheckInMethod,
    CheckInRecord,
    Event,
    Registration,
    Status,
    User,
)
from eventapp.models.types import utcnow
from eventapp.registration import services as registration_services

#: A queued scan may be this old when it reaches the server (a device offline all day).
QUEUED_MAX_AGE = timedelta(days=2)
#: Clocks of phones drift: a scan "from the future" by up to this much is taken as now.
CLOCK_SKEW = timedelta(minutes=5)


class Outcome(enum.StrEnum):
    CHECKED_IN = "checked_in"  # present from now on
    ALREADY = "already"  # was already checked in (when, by whom)
    NOT_CONFIRMED = "not_confirmed"  # waitlisted, pending, cancelled or declined
    UNKNOWN = "unknown"  # no such code (or its registration was erased)
    OTHER_EVENT = "other_event"  # a badge of another event
    UNDONE = "undone"  # check-in taken back
    NOT_CHECKED_IN = "not_checked_in"  # undo of someone who was not checked in


@dataclass
class Result:
    outcome: Outcome
    registration: Registration | None = None
    #: For OTHER_EVENT: the event the badge belongs to.
    other_event: Event | None = None
    #: For ALREADY: the account that checked the person in, if known.
    checked_in_by: str = ""


def parse_code(raw: Any) -> str:
    """The check-in code in what a scanner read: the badge's URL
    (https://host/checkin/<slug>/c/<code>) or the bare code."""
    text = str(raw or "").strip()
    if "/" in text:
        path = urlsplit(text).path if "://" in text else text
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 2 and parts[-2] == "c":
            text = unquote(parts[-1])
        else:
            return ""
    # Codes are URL-safe base64 of 16 bytes (22 characters); anything longer is not ours.
    return text if 0 < len(text) <= 64 else ""


def find(code: str) -> Registration | None:
    """The registration (of any event) whose badge carries this code."""
    if not code:
        return None
    return db.session.scalar(select(Registration).where(Registration.checkin_code == code))


def _scan_time(at: datetime | None, now: datetime) -> datetime:
    """When a scan happened: the device's time for a queued scan if plausible, else now."""
    if at is None or at.tzinfo is None:
        return now
    if now - QUEUED_MAX_AGE <= at <= now + CLOCK_SKEW:
        return min(at, now)
    return now


def _who(user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = db.session.get(User, user_id)
    return user.email if user else ""


def check_in(
    event: Event,
    code: str,
    user: User,
    *,
    method: CheckInMethod = CheckInMethod.QR,
    at: datetime | None = None,
    queued: bool = False,
) -> Result:
    """Mark the holder of `code` present, once. No commit: the caller commits."""
    registration = find(code)
    if registration is None or registration.anonymised_at is not None:
        return Result(Outcome.UNKNOWN)
    if registration.event_id != event.id:
        return Result(Outcome.OTHER_EVENT, other_event=registration.event)
    if registration.status != Status.CONFIRMED:
        return Result(Outcome.NOT_CONFIRMED, registration)
    now = utcnow()
    when = _scan_time(at, now)
    changed = cast(
        CursorResult,
        db.session.execute(
            update(Registration)
            .where(
                Registration.id == registration.id,
                Registration.checked_in_at.is_(None),
                Registration.status == Status.CONFIRMED,
            )
            .values(checked_in_at=when, checked_in_by_id=user.id)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    # Read the row as it is now: another volunteer's check-in, or a status change.
    db.session.refresh(registration)
    if changed != 1:
        if registration.checked_in_at is not None:
            return Result(
                Outcome.ALREADY, registration, checked_in_by=_who(registration.checked_in_by_id)
            )
        return Result(Outcome.NOT_CONFIRMED, registration)
    db.session.add(
        CheckInRecord(
            event_id=event.id,
            registration_id=registration.id,
            action=CheckInAction.CHECK_IN,
            method=method,
            at=when,
            recorded_at=now,
            queued=queued,
            user_id=user.id,
            actor=user.email,
        )
    )
    return Result(Outcome.CHECKED_IN, registration, checked_in_by=user.email)


def undo(event: Event, code: str, user: User) -> Result:
    """Take a check-in back (scanned the wrong badge). No commit."""
    registration = find(code)
    if registration is None or registration.anonymised_at is not None:
        return Result(Outcome.UNKNOWN)
    if registration.event_id != event.id:
        return Result(Outcome.OTHER_EVENT, other_event=registration.event)
    changed = cast(
        CursorResult,
        db.session.execute(
            update(Registration)
            .where(Registration.id == registration.id, Registration.checked_in_at.is_not(None))
            .values(checked_in_at=None, checked_in_by_id=None)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.refresh(registration)
    if changed != 1:
        return Result(Outcome.NOT_CHECKED_IN, registration)
    db.session.add(
        CheckInRecord(
            event_id=event.id,
            registration_id=registration.id,
            action=CheckInAction.UNDO,
            method=CheckInMethod.SEARCH,
            at=utcnow(),
            recorded_at=utcnow(),
            user_id=user.id,
            actor=user.email,
        )
    )
    return Result(Outcome.UNDONE, registration)


def _name_key(text: str) -> str:
    # anyascii drops accents itself; folding first would turn "й" into "и" (aynura: ainura).
    return " ".join(anyascii(text).casefold().split())


def namesakes(event: Event, given_name: str, family_name: str) -> list[Registration]:
    """People of the event already registered under this name (any case, accents or
    script: "Nino Beridze" matches "ნინო ბერიძე"): at the door, many who signed up
    believe they did not, and a second registration would print a second badge."""
    wanted = _name_key(f"{given_name} {family_name}")
    if not wanted:
        return []
    rows = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id, Registration.anonymised_at.is_(None)
        )
    )
    return [r for r in rows if wanted in (_name_key(r.full_name), _name_key(r.badge_name or ""))]


def register_walk_in(
    event: Event, data: dict[str, Any], category: Category, user: User
) -> Registration:
    """Someone who is at the door but not on the list: registered (confirmed, outside the
    public capacity, as organisers add people by hand) and checked in at once. Raises
    registration.services.AlreadyRegistered for an address already registered. No commit.
    """
    registration = registration_services.add_by_hand(event, data, category=category)
    now = utcnow()
    registration.checked_in_at = now
    registration.checked_in_by_id = user.id
    db.session.add(
        CheckInRecord(
            event_id=event.id,
            registration_id=registration.id,
            action=CheckInAction.CHECK_IN,
            method=CheckInMethod.WALK_IN,
            at=now,
            recorded_at=now,
            user_id=user.id,
            actor=user.email,
        )
    )
    return registration


def history(registration: Registration) -> list[CheckInRecord]:
    """The registration's check-ins and undos, oldest first."""
    return list(
        db.session.scalars(
            select(CheckInRecord)
            .where(CheckInRecord.registration_id == registration.id)
            .order_by(CheckInRecord.at, CheckInRecord.id)
        )
    )
