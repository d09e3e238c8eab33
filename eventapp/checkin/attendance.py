"""Live attendance for organisers: who is here, who is still expected, and when people
arrived.

"Expected" means confirmed and not anonymised: pending, waitlisted, cancelled and declined
people are not coming, and an erased registration cannot be called or looked for.
"Checked in" counts only the expected ones, so the percentage never passes 100 %, and
reads Registration.checked_in_at (who is present now: an undone check-in is gone), not
the CheckInRecord history. The arrivals chart reads the same column, so its bars add up
to the big number above it.

Arrivals are counted per hour of the event's local clock: that is the unit the issue asks
for and the one the door team plans shifts in. `arrivals` takes `minutes=15` (or 30) for
a finer chart of a one-morning rush; the page uses hours.

Plain functions over models, no request: the views render what these return.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from eventapp.core.folding import fold
from eventapp.core.labels import CATEGORIES
from eventapp.extensions import db
from eventapp.models import (
    Category,
    CheckInAction,
    CheckInMethod,
    CheckInRecord,
    Event,
    Registration,
    Status,
)
from eventapp.registration.spreadsheets import neutralise

LATEST = 10


def _expected(event: Event):
    """The WHERE clause of the people expected at the event."""
    return (
        Registration.event_id == event.id,
        Registration.status == Status.CONFIRMED,
        Registration.anonymised_at.is_(None),
    )


# --- Numbers ----------------------------------------------------------------------------


def percent(part: int, whole: int) -> int | None:
    """Whole percent, rounded down so 199 of 200 reads 99 % and not "all here"."""
    return part * 100 // whole if whole else None


@dataclass
class Count:
    """Checked in of expected."""

    checked_in: int
    expected: int

    @property
    def percent(self) -> int | None:
        return percent(self.checked_in, self.expected)

    @property
    def missing(self) -> int:
        return self.expected - self.checked_in


@dataclass
class Line(Count):
    category: Category = Category.PARTICIPANT


@dataclass
class Summary(Count):
    #: Every category someone is expected in, in the Category enum's order.
    by_category: list[Line] = field(default_factory=list)
    #: Of those checked in, how many were registered at the door.
    walk_ins: int = 0


def summary(event: Event) -> Summary:
    """Checked in / expected, overall and per category, from one grouped query (plus one
    for the walk-ins)."""
    rows = db.session.execute(
        select(Registration.category, func.count(), func.count(Registration.checked_in_at))
        .where(*_expected(event))
        .group_by(Registration.category)
    ).all()
    counts = {Category(category): (arrived, expected) for category, expected, arrived in rows}
    lines = [
        Line(*counts[category], category=category) for category in Category if category in counts
    ]
    # A walk-in who was later cancelled or undone is not "here" any more: count only the
    # walk-ins among the people the big number counts.
    walk_ins = (
        db.session.scalar(
            select(func.count(func.distinct(CheckInRecord.registration_id)))
            .join(Registration, Registration.id == CheckInRecord.registration_id)
            .where(
                CheckInRecord.event_id == event.id,
                CheckInRecord.action == CheckInAction.CHECK_IN,
                CheckInRecord.method == CheckInMethod.WALK_IN,
                Registration.checked_in_at.is_not(None),
                *_expected(event),
            )
        )
        or 0
    )
    return Summary(
        checked_in=sum(line.checked_in for line in lines),
        expected=sum(line.expected for line in lines),
        by_category=lines,
        walk_ins=walk_ins,
    )


# --- Arrivals over time -----------------------------------------------------------------


@dataclass
class Slot:
    #: Wall-clock times at the event (aware, in its zone).
    start: datetime
    end: datetime
    count: int


def _slot_start(moment: datetime, event: Event, minutes: int) -> datetime:
    """The start of the local slot holding `moment`, as a UTC instant.

    Floored on the local clock (a zone at UTC+05:30 has its hours start at :30 UTC) but
    returned in UTC, so the repeated hour when clocks go back stays two slots.
    """
    local = event.local(moment)
    floored = local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)
    return floored.astimezone(UTC)


def arrivals(event: Event, minutes: int = 60) -> list[Slot]:
    """Check-ins of the expected people per slot of `minutes` (a divisor of 60) of the
    event's local time: on each local day with arrivals, from its first slot with an
    arrival to its last, the empty slots between them as 0. Days without arrivals are
    left out, so one badge tried out a week early does not stretch the chart over a week
    of empty hours. Empty when nobody is checked in."""
    if minutes <= 0 or 60 % minutes:
        raise ValueError("minutes must divide an hour")
    moments = db.session.scalars(
        select(Registration.checked_in_at).where(
            *_expected(event), Registration.checked_in_at.is_not(None)
        )
    ).all()
    counts = Counter(
        _slot_start(moment, event, minutes) for moment in moments if moment is not None
    )  # none are: the query leaves them out
    days: dict[date, list[datetime]] = {}
    for start in sorted(counts):
        days.setdefault(event.local(start).date(), []).append(start)
    step = timedelta(minutes=minutes)
    slots = []
    for starts in days.values():
        start, last = starts[0], starts[-1]
        while start <= last:
            slots.append(
                Slot(
                    start=event.local(start),
                    end=event.local(start + step),
                    count=counts.get(start, 0),
                )
            )
            # Step in UTC then floor again: lands on the next local slot even across a
            # change of offset (and never stays put, whatever the zone does).
            following = _slot_start(start + step, event, minutes)
            start = following if following > start else start + step
    return slots


def arrivals_by_hour(event: Event) -> list[Slot]:
    """Check-ins per local hour of the event (see `arrivals`)."""
    return arrivals(event, 60)


def by_day(slots: list[Slot]) -> list[tuple[date, list[Slot]]]:
    """The slots of each local day, in order: one chart per day."""
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.start.date(), []).append(slot)
    return list(days.items())


@dataclass
class Bar:
    slot: Slot
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    """A bar chart's geometry in SVG user units; the template draws it."""

    bars: list[Bar]
    width: int
    height: int
    #: Top of the plotting area, and its bottom (the baseline of the bars).
    top: int
    baseline: int
    left: int
    #: (y, value) of the horizontal grid lines.
    ticks: list[tuple[float, int]]
    highest: int


def chart(
    slots: list[Slot],
    *,
    height: int = 220,
    bar_width: int = 48,
    gap: int = 12,
    left: int = 40,
    top: int = 16,
    bottom: int = 36,
) -> Chart:
    """Where each bar of the arrivals chart goes: one bar per slot, scaled to the busiest
    slot, with three or four round-numbered grid lines."""
    highest = max((slot.count for slot in slots), default=0)
    step = _tick_step(highest)
    scale_top = max(step * -(-highest // step), 1)
    plot = height - top - bottom
    baseline = height - bottom
    bars = []
    for n, slot in enumerate(slots):
        bar_height = plot * slot.count / scale_top
        bars.append(
            Bar(
                slot=slot,
                x=left + gap / 2 + n * (bar_width + gap),
                y=baseline - bar_height,
                width=bar_width,
                height=bar_height,
            )
        )
    ticks = [
        (baseline - plot * value / scale_top, value) for value in range(0, scale_top + 1, step)
    ]
    return Chart(
        bars=bars,
        width=left + len(slots) * (bar_width + gap) + gap,
        height=height,
        top=top,
        baseline=baseline,
        left=left,
        ticks=ticks,
        highest=highest,
    )


def _tick_step(highest: int) -> int:
    """1, 2, 5, 10, 20, 50... whichever gives at most four grid lines above 0."""
    step, factors = 1, (2, 2.5, 2)  # 1 -> 2 -> 5 -> 10 -> 20 -> 50 ...
    n = 0
    while highest > 4 * step:
        step = int(step * factors[n % 3])
        n += 1
    return step


# --- Latest check-ins -------------------------------------------------------------------


def latest(event: Event, limit: int = LATEST) -> list[CheckInRecord]:
    """The last check-ins and undos at the door, newest first, with their registration."""
    return list(
        db.session.scalars(
            select(CheckInRecord)
            .options(joinedload(CheckInRecord.registration))
            .where(CheckInRecord.event_id == event.id)
            .order_by(CheckInRecord.at.desc(), CheckInRecord.id.desc())
            .limit(limit)
        )
    )


# --- Not arrived yet --------------------------------------------------------------------


def not_arrived(event: Event, category: Category | None = None) -> list[Registration]:
    """The expected people not checked in, by family name then given name, ignoring case
    and accents (SQL cannot fold accents portably: see registration.desk)."""
    query = select(Registration).where(*_expected(event), Registration.checked_in_at.is_(None))
    if category is not None:
        query = query.where(Registration.category == category)
    people = db.session.scalars(query).all()
    return sorted(people, key=lambda r: (fold(r.family_name), fold(r.given_name), r.id))


def csv_header() -> list[str]:
    return [
        _("Registration number"),
        _("Family name"),
        _("Given name"),
        _("Organisation"),
        _("Category"),
        _("E-mail"),
        _("Country"),
        _("Badge printed"),
    ]


def csv_rows(
    people: Iterable[Registration], country_name: Callable[[str], str] = str
) -> list[list[str]]:
    """One row per person, the header first, text a spreadsheet would run as a formula
    neutralised as the registrations export does."""
    rows = [csv_header()]
    for person in people:
        rows.append(
            [
                neutralise(value)
                for value in (
                    str(person.id),
                    person.family_name,
                    person.given_name,
                    person.organisation,
                    str(CATEGORIES[person.category]),
                    person.email or "",
                    country_name(person.country),
                    _("yes") if person.printed_at else _("no"),
                )
            ]
        )
    return rows


def not_arrived_csv(
    people: Iterable[Registration], country_name: Callable[[str], str] = str
) -> bytes:
    """The not-arrived list as the registrations export writes CSV: UTF-8 with a
    byte-order mark (so Excel reads the accents and scripts right), CRLF lines."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_rows(people, country_name))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
