"""A person's itinerary as iCalendar: one event per flight or train (in the local times
of its departure and arrival, each with its zone) and one all-day event per hotel stay,
from check-in to check-out."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from eventapp.feeds.ical import PRODID, one_line
from eventapp.models import SegmentKind, TravelSegment, TravelSupport


def place(code: str, name: str) -> str:
    return f"{name} ({code})" if code and name else code or name


def segment_title(segment: TravelSegment) -> str:
    what = _("Flight") if segment.kind == SegmentKind.FLIGHT else _("Train")
    return one_line(
        f"{what} {segment.number}: {place(segment.from_code, segment.from_place)}"
        f" → {place(segment.to_code, segment.to_place)}"
    )


def itinerary_ics(support: TravelSupport) -> bytes:
    """The flights, trains and hotel nights booked for the person."""
    import icalendar  # here, as in feeds/ical.py: not every process's import

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", one_line(_("Travel: %(title)s", title=support.event.title)))
    stamp = max(
        [support.decided_at or support.requested_at]
        + [s.created_at for s in support.segments]
        + [s.created_at for s in support.stays]
    )
    for segment in support.segments:
        component = icalendar.Event()
        component.add("uid", f"travel-segment-{segment.id}@eventapp")
        component.add("dtstamp", stamp)
        component.add("dtstart", segment.departs)
        component.add("dtend", segment.arrives)
        component.add("summary", segment_title(segment))
        component.add("location", one_line(place(segment.from_code, segment.from_place)))
        calendar.add_component(component)
    for stay in support.stays:
        component = icalendar.Event()
        component.add("uid", f"hotel-stay-{stay.id}@eventapp")
        component.add("dtstamp", stamp)
        component.add("dtstart", stay.check_in)
        component.add("dtend", stay.check_out)
        component.add("summary", one_line(_("Hotel: %(hotel)s", hotel=stay.hotel)))
        if stay.address:
            component.add("location", one_line(stay.address))
        component.add("transp", "TRANSPARENT")
        calendar.add_component(component)
    moments = [m for s in support.segments for m in (s.departs, s.arrives)]
    if moments:
        first = min(m.date() for m in moments) - timedelta(days=1)
        last = max(m.date() for m in moments) + timedelta(days=1)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
