"""Who goes on the attendance sheets, day by day.

"sign": every confirmed person whose data is not erased, by family name as the app
compares names in any script (core/folding.py: no case, no accents; then given name),
the same list for each day of the event, with a blank column to sign in.

"checkins": for each local day at the event, the people checked in that day, with the
time of their check-in in the event's time zone and how it was made. It reads the
check-in records, not just Registration.checked_in_at: an undo cancels the check-in
before it, so a badge scanned by mistake is not evidence of attendance. Someone checked
in on two days appears on both. Days of the event without check-ins are kept (empty).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from eventapp.core.folding import fold
from eventapp.core.i18n import country_name, local_date, local_datetime, local_time
from eventapp.core.labels import CHECKIN_METHODS
from eventapp.extensions import db
from eventapp.models import CheckInAction, CheckInRecord, Event, Registration, Status
from eventapp.models.types import utcnow
from eventapp.printing.attendance_sheet import CHECKINS, SIGN, Day, Row, Sheet, render_sheet


def name_key(registration: Registration) -> tuple:
    """Family name, then given name, compared as search compares them, then the id."""
    return (
        fold(registration.family_name or registration.given_name),
        fold(registration.given_name),
        registration.id,
    )


def _confirmed(event: Event) -> tuple:
    return (
        Registration.event_id == event.id,
        Registration.status == Status.CONFIRMED,
        Registration.anonymised_at.is_(None),
    )


def event_days(event: Event) -> list[date]:
    """Each local calendar day the event runs on, first to last."""
    first = event.local(event.starts_at).date()
    # An event ending at midnight ends on the day before.
    last = event.local(event.ends_at - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range(max((last - first).days, 0) + 1)]


def confirmed_people(event: Event) -> list[Registration]:
    people = db.session.scalars(select(Registration).where(*_confirmed(event))).all()
    return sorted(people, key=name_key)


def erased_count(event: Event) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == Status.CONFIRMED,
                Registration.anonymised_at.is_not(None),
            )
        )
        or 0
    )


def standing_checkins(event: Event) -> list[CheckInRecord]:
    """The check-in records no later undo cancelled, of the confirmed people, by time."""
    records = db.session.scalars(
        select(CheckInRecord)
        .join(Registration, Registration.id == CheckInRecord.registration_id)
        .where(CheckInRecord.event_id == event.id, *_confirmed(event))
        .options(joinedload(CheckInRecord.registration))
        .order_by(CheckInRecord.at, CheckInRecord.id)
    ).all()
    standing: dict[int, list[CheckInRecord]] = {}
    for record in records:
        kept = standing.setdefault(record.registration_id, [])
        if record.action == CheckInAction.CHECK_IN:
            kept.append(record)
        elif kept:  # an undo cancels the latest check-in still standing
            kept.pop()
    return sorted((r for kept in standing.values() for r in kept), key=lambda r: (r.at, r.id))


def _row(registration: Registration, record: CheckInRecord | None = None, tz: str = "") -> Row:
    return Row(
        family_name=registration.family_name,
        given_name=registration.given_name,
        organisation=registration.organisation,
        country=country_name(registration.country),
        time=local_time(record.at, tz, "HH:mm:ss") if record else "",
        method=str(CHECKIN_METHODS[record.method]) if record else "",
    )


def build_sheet(event: Event, variant: str = SIGN, language: str | None = None) -> Sheet:
    """The sheet's content in a language (labels, dates, country names)."""
    if variant not in (SIGN, CHECKINS):
        raise ValueError(f"unknown attendance sheet: {variant!r}")
    language = language or current_app.config["LANGUAGES"][0]
    tz = event.timezone
    with force_locale(language):
        days: list[Day] = []
        if variant == SIGN:
            rows = [_row(r) for r in confirmed_people(event)]
            for day in event_days(event):
                days.append(Day(label=_day_label(day, tz), rows=rows))
        else:
            by_day: dict[date, dict[int, CheckInRecord]] = {day: {} for day in event_days(event)}
            for record in standing_checkins(event):
                # The first standing check-in of each person on each local day.
                by_day.setdefault(event.local(record.at).date(), {}).setdefault(
                    record.registration_id, record
                )
            for day in sorted(by_day):
                records = by_day[day].values()
                people = sorted(records, key=lambda r: name_key(r.registration))
                days.append(
                    Day(
                        label=_day_label(day, tz),
                        rows=[_row(r.registration, r, tz) for r in people],
                    )
                )
        return Sheet(
            event=event,
            variant=variant,
            language=language,
            days=days,
            venue=", ".join(p for p in (event.venue_name, event.venue_address) if p),
            generated=local_datetime(utcnow(), tz, "medium"),
            timezone=tz,
            erased=erased_count(event),
        )


def _day_label(day: date, tz: str) -> str:
    # Noon at the event names the right day whatever the offset.
    from zoneinfo import ZoneInfo

    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(tz))
    return local_date(noon, tz)


def attendance_sheet_pdf(event: Event, variant: str = SIGN, language: str | None = None) -> bytes:
    """The attendance sheet of an event as a PDF."""
    return render_sheet(build_sheet(event, variant, language))


def file_name(event: Event, variant: str) -> str:
    suffix = "attendance-sheet" if variant == SIGN else "attendance-checkins"
    return f"{event.slug}-{suffix}.pdf"
