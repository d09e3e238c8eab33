"""Travel support rules: asking, deciding, the traveller's form, bookings, and the
figures organisers read (committed against budget).

Plain functions over models, no request: the view parses and checks access, these act
and log, the view commits once. Decisions and itineraries are e-mails queued in the same
transaction (mail/outbox.py), in the person's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from eventapp.core.changelog import apply_changes, record
from eventapp.extensions import db
from eventapp.mail.outbox import queue_mail
from eventapp.models import (
    Event,
    HotelStay,
    Registration,
    SupportStatus,
    TravelSegment,
    TravelSupport,
)
from eventapp.models.types import utcnow

#: The budget lines: (the support's flag, its estimate, the event's budget).
LINES = ("travel", "accommodation", "per_diem")
#: What the traveller fills in at /r/<token>/travel.
FORM_FIELDS = (
    "passport_name",
    "departure_city",
    "departure_airport",
    "outbound_date",
    "outbound_time",
    "return_date",
    "return_time",
    "hotel_check_in",
    "hotel_check_out",
    "remarks",
)
SETTINGS_FIELDS = (
    "currency",
    "support_on_signup",
    "budget_travel",
    "budget_accommodation",
    "budget_per_diem",
)


class NotAllowed(Exception):
    """The change does not fit the support's status (say, booking for a declined one)."""


class AlreadyDecided(NotAllowed):
    """Another organiser decided the request since this one opened it; theirs stands."""

    def __init__(self) -> None:
        super().__init__(
            _("Another organiser decided this request meanwhile: here is their decision.")
        )


def support_of(registration: Registration) -> TravelSupport | None:
    """The registration's request or grant of support, if any."""
    return db.session.scalar(
        select(TravelSupport).where(TravelSupport.registration_id == registration.id)
    )


def _log(support: TravelSupport, action: str, summary: str, changes: dict | None = None) -> None:
    # On the registration's own log, where organisers read its history.
    record(support.event, "registration", support.registration_id, action, summary, changes)


# --- Requests and decisions -------------------------------------------------------------


def request_support(
    registration: Registration, lines: Iterable[str], justification: str
) -> TravelSupport:
    """The person asks for support (from the sign-up form or their page); no commit."""
    lines = set(lines)
    if not lines or not lines <= set(LINES):
        raise ValueError("ask for at least one known line")
    support = support_of(registration)
    if support is not None and support.status != SupportStatus.REQUESTED:
        raise NotAllowed(_("Support was already decided."))
    if support is None:
        support = TravelSupport(
            event_id=registration.event_id, registration=registration, event=registration.event
        )
        db.session.add(support)
    for line in LINES:
        setattr(support, line, line in lines)
    support.justification = justification.strip()
    support.status = SupportStatus.REQUESTED
    db.session.flush()
    _log(
        support,
        "support_request",
        _("Support requested"),
        {"support_lines": sorted(lines), "justification": support.justification},
    )
    return support


def decide(
    registration: Registration,
    status: SupportStatus,
    *,
    lines: Iterable[str] = (),
    estimates: dict[str, Decimal] | None = None,
    note: str = "",
    seen: str | None = None,
) -> TravelSupport:
    """Approve (committing an estimate per line granted) or decline a request; an
    organiser may also grant support nobody asked for. Logs it and queues the e-mail
    that tells the person, in their language. No commit.

    `seen` is the support's status as the organiser saw it ("" for none): when another
    organiser's decision was committed since, AlreadyDecided is raised and nothing
    changes, rather than one decision silently replacing the other (or, for support
    nobody asked for, a second row failing the unique constraint)."""
    if status == SupportStatus.REQUESTED:
        raise ValueError("a decision approves or declines")
    # Two organisers deciding at once take turns here (PostgreSQL; SQLite has one writer
    # at a time), and the second reads the row as the first left it. FOR NO KEY UPDATE:
    # rows merely referring to the registration (its e-mails, a check-in) are not held.
    db.session.execute(
        select(Registration.id)
        .where(Registration.id == registration.id)
        .with_for_update(key_share=True)
    )
    support = db.session.scalar(
        select(TravelSupport)
        .where(TravelSupport.registration_id == registration.id)
        .execution_options(populate_existing=True)
    )
    if seen is not None and (support.status.value if support else "") != seen:
        raise AlreadyDecided()
    new = support is None
    if support is None:
        support = TravelSupport(
            event_id=registration.event_id, registration=registration, event=registration.event
        )
        db.session.add(support)
    before = None if new else support.status
    granted = set(lines) & set(LINES)
    estimates = estimates or {}
    if status == SupportStatus.APPROVED:
        if not granted:
            raise ValueError("approve at least one line")
        for line in LINES:
            setattr(support, line, line in granted)
            amount = estimates.get(line, Decimal("0")) if line in granted else Decimal("0")
            if amount < 0:
                raise ValueError("estimates are not negative")
            setattr(support, f"{line}_estimate", amount)
    else:
        for line in LINES:
            setattr(support, f"{line}_estimate", Decimal("0"))
    support.status = status
    support.decision_note = note.strip()
    support.decided_at = utcnow()
    user = current_user if current_user and current_user.is_authenticated else None
    support.decided_by_id = user.id if user else None
    try:
        db.session.flush()
    except IntegrityError as exc:
        # A row inserted by a concurrent decision the lock did not hold back (SQLite,
        # where the lock is a no-op and the insert waits for the other's commit). The
        # caller rolls back.
        raise AlreadyDecided() from exc
    changes: dict[str, Any] = {"support": [before.value if before else None, status.value]}
    if status == SupportStatus.APPROVED:
        changes.update(
            {f"{line}_estimate": str(getattr(support, f"{line}_estimate")) for line in granted}
        )
    _log(
        support,
        "support_decision",
        _("Support approved") if status == SupportStatus.APPROVED else _("Support declined"),
        changes,
    )
    queue_mail(registration, f"support_{status.value}")
    return support


# --- The traveller's form ---------------------------------------------------------------


def may_fill_form(support: TravelSupport | None) -> bool:
    return support is not None and support.status == SupportStatus.APPROVED


def save_form(support: TravelSupport, data: dict[str, Any]) -> dict[str, list]:
    """The traveller's details and wishes; logged (values left out: the passport name is
    personal). No commit."""
    if not may_fill_form(support):
        raise NotAllowed(_("Travel details are asked once support is approved."))
    changes = apply_changes(support, data, FORM_FIELDS)
    support.form_saved_at = utcnow()
    if changes:
        _log(support, "travel_form", _("Travel details saved"), {"fields": sorted(changes)})
    return changes


# --- Bookings ---------------------------------------------------------------------------


def local_to_utc(moment: datetime, zone: str) -> datetime:
    """A wall-clock time in an IANA zone as an aware UTC time."""
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def add_segment(support: TravelSupport, data: dict[str, Any]) -> TravelSegment:
    """A booked flight or train, times as on the ticket with their zones. No commit."""
    if not may_fill_form(support):
        raise NotAllowed(_("Book travel once support is approved."))
    segment = TravelSegment(support=support, **data)
    segment.departs_utc = local_to_utc(segment.departs_local, segment.departs_tz)
    db.session.add(segment)
    db.session.flush()
    _log(
        support,
        "travel_booking",
        _(
            "Travel booked: %(number)s %(from_)s → %(to)s",
            number=segment.number,
            from_=segment.from_code or segment.from_place,
            to=segment.to_code or segment.to_place,
        ),
    )
    return segment


def add_stay(support: TravelSupport, data: dict[str, Any]) -> HotelStay:
    """A booked hotel stay. No commit."""
    if not may_fill_form(support):
        raise NotAllowed(_("Book travel once support is approved."))
    stay = HotelStay(support=support, **data)
    db.session.add(stay)
    db.session.flush()
    _log(support, "travel_booking", _("Hotel booked: %(hotel)s", hotel=stay.hotel))
    return stay


def remove_booking(support: TravelSupport, kind: str, booking_id: int) -> bool:
    """Take a flight, train or hotel stay off the person's bookings; whether it was theirs."""
    booking: TravelSegment | HotelStay | None = None
    if kind == "segment":
        booking = db.session.get(TravelSegment, booking_id)
    elif kind == "stay":
        booking = db.session.get(HotelStay, booking_id)
    if booking is None or booking.support_id != support.id:
        return False
    what = booking.hotel if isinstance(booking, HotelStay) else booking.number
    db.session.delete(booking)
    db.session.flush()
    db.session.expire(support, ["segments", "stays"])
    _log(support, "travel_booking", _("Booking removed: %(what)s", what=what))
    return True


def send_itinerary(support: TravelSupport) -> bool:
    """Queue the itinerary e-mail (with its .ics); whether there was anything to send
    and an address to send it to. No commit."""
    if not (support.segments or support.stays):
        return False
    if queue_mail(support.registration, "itinerary") is None:
        return False
    support.itinerary_sent_at = utcnow()
    _log(support, "itinerary", _("Itinerary sent"))
    return True


# --- Settings ---------------------------------------------------------------------------


def update_settings(event: Event, data: dict[str, Any]) -> dict[str, list]:
    """The event's currency, budgets and whether the sign-up form offers support."""
    changes = apply_changes(event, data, SETTINGS_FIELDS)
    if changes:
        record(event, "event", event.id, "update", _("Travel support settings changed"), changes)
    return changes


# --- Figures ----------------------------------------------------------------------------


def supports(event: Event) -> list[TravelSupport]:
    """Every request and grant of the event, with their registration and bookings."""
    return list(
        db.session.scalars(
            select(TravelSupport)
            .where(TravelSupport.event_id == event.id)
            .options(
                selectinload(TravelSupport.registration),
                selectinload(TravelSupport.segments),
                selectinload(TravelSupport.stays),
            )
            .order_by(TravelSupport.requested_at, TravelSupport.id)
        )
    )


@dataclass
class Line:
    name: str
    budget: Decimal | None
    committed: Decimal
    booked: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.committed

    @property
    def over(self) -> bool:
        return self.budget is not None and self.committed > self.budget


def budget_lines(event: Event, rows: list[TravelSupport] | None = None) -> list[Line]:
    """Per line: the budget, what approvals committed, and what bookings cost so far
    (flights and trains on travel, hotels on accommodation; per diems are not booked)."""
    rows = supports(event) if rows is None else rows
    approved = [s for s in rows if s.status == SupportStatus.APPROVED]
    zero = Decimal("0")
    booked = {
        "travel": sum((seg.cost or zero for s in approved for seg in s.segments), zero),
        "accommodation": sum((st.cost or zero for s in approved for st in s.stays), zero),
        "per_diem": zero,
    }
    return [
        Line(
            line,
            getattr(event, f"budget_{line}"),
            sum((getattr(s, f"{line}_estimate") for s in approved), zero),
            booked[line],
        )
        for line in LINES
    ]


def nights(support: TravelSupport) -> list[date]:
    """The nights booked for the person (the date each night starts)."""
    from datetime import timedelta

    found: set[date] = set()
    for stay in support.stays:
        found.update(stay.check_in + timedelta(days=n) for n in range(stay.nights))
    return sorted(found)
