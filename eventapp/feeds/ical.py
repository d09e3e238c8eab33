"""The agenda as iCalendar: a feed to subscribe to, and one item to add to a calendar."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from flask_babel import lazy_gettext as _l

from eventapp.feeds.frab import (
    GENERATOR_VERSION,
    ROLE_ORDER,
    clean_text,
    content_language,
    credited,
    kind_labels,
    text,
)
from eventapp.models import AgendaItem, Event, ItemKind, RoleKind
from eventapp.web.public_url import external_url

PRODID = f"-//eventapp//eventapp {GENERATOR_VERSION}//EN"

#: (one, several) as the agenda page says them, so the page's translations apply.
ROLE_WORDS = {
    RoleKind.MODERATOR: (_l("Moderator"), _l("Moderators")),
    RoleKind.PANELLIST: (_l("Panellist"), _l("Panellists")),
    RoleKind.SPEAKER: (_l("Speaker"), _l("Speakers")),
    RoleKind.CHAIR: (_l("Chair"), _l("Chairs")),
}


def agenda_calendar(event: Event, items: list[AgendaItem], language: str | None = None) -> bytes:
    """The whole agenda: one VEVENT per item, times in the event's zone with its VTIMEZONE;
    texts in `language` where translated (default: the event's main language)."""
    language = content_language(event, language)
    calendar = _calendar(event, items, language)
    # X- properties are written as given, not escaped like SUMMARY: one line each, or a
    # title stored with a line break would stop every feed and confirmation e-mail.
    calendar.add("x-wr-calname", one_line(text(event, "title", language)))
    calendar.add("x-wr-timezone", event.timezone)
    if event.subtitle:
        calendar.add("x-wr-caldesc", one_line(text(event, "subtitle", language)))
    # Subscribed calendars otherwise refresh when the client likes (Outlook: weekly).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar.to_ical()


def one_line(value: str | None) -> str:
    return " ".join(clean_text(value).splitlines()).strip()


def item_calendar(event: Event, item: AgendaItem, language: str | None = None) -> bytes:
    """One item, for "add to my calendar": the same UID as in the feed, so no duplicates."""
    return _calendar(event, [item], content_language(event, language)).to_ical()


def _calendar(event: Event, items: list[AgendaItem], language: str) -> icalendar.Calendar:
    """PRODID, VERSION, the event's VTIMEZONE and a VEVENT per item."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    agenda_url = external_url("public.agenda", slug=event.slug)
    labels = kind_labels()
    for item in items:
        calendar.add_component(vevent(event, item, agenda_url, labels, language))
    # Observances only for the days the calendar covers (a day's margin either side):
    # the default 1970-2038 rule set would outweigh a small agenda. UTC needs none ("Z").
    moments = [
        event.starts_at,
        event.ends_at,
        *(i.starts_at for i in items),
        *(i.ends_at for i in items),
    ]
    first = event.local(min(moments)).date() - timedelta(days=1)
    last = event.local(max(moments)).date() + timedelta(days=1)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def vevent(
    event: Event,
    item: AgendaItem,
    agenda_url: str,
    labels: dict[ItemKind, str],
    language: str | None = None,
) -> icalendar.Event:
    """One agenda item; its UID comes from the item's guid, so it survives every edit."""
    language = content_language(event, language)
    component = icalendar.Event()
    component.add("uid", f"{item.guid}@eventapp")
    # Without METHOD, DTSTAMP is when the information was last revised (RFC 5545 3.8.7.2):
    # the item or a name in it. Not "now", which would change the ETag on every request.
    component.add(
        "dtstamp", max([item.updated_at, *(person.updated_at for _role, person in credited(item))])
    )
    component.add("last-modified", item.updated_at)
    component.add("dtstart", event.local(item.starts_at))
    component.add("dtend", event.local(item.ends_at))
    component.add("summary", clean_text(text(item, "title", language)))
    component.add("location", clean_text(location(event, item, language)))
    body = clean_text(description(item, language))
    if body:
        component.add("description", body)
    component.add("url", f"{agenda_url}#item-{item.id}")
    component.add("categories", [labels.get(item.kind, item.kind.value)])
    return component


def location(event: Event, item: AgendaItem, language: str | None = None) -> str:
    """Room, venue and address, as far as they are known."""
    language = content_language(event, language)
    parts = (
        text(item.room, "name", language) if item.room else "",
        text(event, "venue_name", language),
        event.venue_address,
    )
    return ", ".join(part for part in parts if part)


def description(item: AgendaItem, language: str | None = None) -> str:
    """The item's text, then a line per role: "Panellists: A, B, C"."""
    language = content_language(item.event, language)
    lines = []
    for role in ROLE_ORDER:
        names = [person.full_name for person in item.people_in(role)]
        if names:
            one, several = ROLE_WORDS[role]
            lines.append(f"{one if len(names) == 1 else several}: {', '.join(names)}")
    own = text(item, "description", language).strip()
    return "\n\n".join(part for part in (own, "\n".join(lines)) if part)
