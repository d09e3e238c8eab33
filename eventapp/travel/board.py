"""The arrivals and departures board: who lands where and when (for pick-ups) and who
leaves when, by day and hour in the event's time zone.

A person's arrival is the end of their last journey leg before the event starts (a
connection in Lisbon is not a pick-up), their departure the first leg after it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from eventapp.models import Event, SupportStatus, TravelSegment, TravelSupport


@dataclass
class Movement:
    #: "arrival" or "departure".
    direction: str
    #: The moment in the event's time zone.
    at: datetime
    support: TravelSupport
    segment: TravelSegment

    @property
    def place(self) -> str:
        """The airport or station where it happens."""
        segment = self.segment
        if self.direction == "arrival":
            return " ".join(p for p in (segment.to_code, segment.to_place) if p)
        return " ".join(p for p in (segment.from_code, segment.from_place) if p)


@dataclass
class Day:
    day: date
    #: (hour, movements in that hour), in order.
    hours: list[tuple[int, list[Movement]]]


def movements(event: Event, supports: list[TravelSupport]) -> list[Movement]:
    """Each supported person's arrival and departure, in time order."""
    found: list[Movement] = []
    for support in supports:
        if support.status != SupportStatus.APPROVED or not support.segments:
            continue
        legs = sorted(support.segments, key=lambda s: s.departs_utc)
        inbound = [s for s in legs if s.departs_utc < event.starts_at]
        outbound = [s for s in legs if s.departs_utc >= event.starts_at]
        if inbound:
            last = max(inbound, key=lambda s: s.arrives_utc)
            found.append(Movement("arrival", event.local(last.arrives_utc), support, last))
        if outbound:
            first = outbound[0]
            found.append(Movement("departure", event.local(first.departs_utc), support, first))
    found.sort(key=lambda m: (m.at, m.direction, m.support.registration.full_name))
    return found


def by_day(found: list[Movement]) -> list[Day]:
    """The movements grouped by day, then by hour."""
    days = []
    for day, in_day in groupby(found, key=lambda m: m.at.date()):
        hours = [(hour, list(group)) for hour, group in groupby(in_day, key=lambda m: m.at.hour)]
        days.append(Day(day, hours))
    return days
