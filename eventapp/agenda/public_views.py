"""Public agenda pages: the agenda, the now-and-next screen, the programme booklet (PDF),
the speakers and each speaker's page."""

from datetime import UTC, datetime
from itertools import groupby

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from eventapp.agenda import now as now_screen
from eventapp.agenda import presentations as slides
from eventapp.agenda import programme as programme_cache
from eventapp.feeds.views import feed_response, not_modified
from eventapp.models import queries
from eventapp.web.blueprints import public as bp


@bp.get("/events/<slug>/agenda")
def agenda(slug: str):
    """The programme by day and time, with rooms, kinds and people."""
    event = queries.get_published_event_or_404(slug)
    items = queries.agenda(event)
    days = [
        (day, list(day_items))
        for day, day_items in groupby(items, key=lambda item: event.local(item.starts_at).date())
    ]
    rooms = {item.room for item in items if item.room}
    return render_template(
        "agenda/agenda.html",
        event=event,
        days=days,
        several_rooms=len(rooms) > 1,
        presentations=slides.by_item(slides.of_event(event, published_only=True)),
    )


@bp.get("/events/<slug>/now")
def now(slug: str):
    """Full-screen "now and next" for the venue's displays; it refreshes itself. `?at=`
    (local time at the event) previews a moment; `?fragment=1` is the part it refreshes."""
    event = queries.get_published_event_or_404(slug)
    preview = now_screen.parse_moment(event, request.args.get("at"))
    at = preview or datetime.now(UTC)
    screen = now_screen.now_and_next(
        event, queries.agenda(event), at, venue_label=event.venue_name or _("Everyone")
    )
    refresh = min(max(request.args.get("refresh", 30, type=int), 2), 300)
    return render_template(
        "agenda/now.html",
        event=event,
        screen=screen,
        preview=preview,
        refresh=refresh,
        fragment=request.args.get("fragment") == "1",
        offset=now_screen.utc_offset_minutes(event, at),
    )


@bp.get("/events/<slug>/programme.pdf")
def programme_pdf(slug: str):
    """The printable programme booklet, built again only when the agenda changes."""
    event = queries.get_published_event_or_404(slug)
    version = programme_cache.programme_version(event, language=str(get_locale()))
    # Like the feeds: the ETag names the version (304 without opening the file) and
    # Last-Modified is the agenda's newest change.
    if request.if_none_match.contains_weak(version.fingerprint):
        return not_modified(version.fingerprint)
    return feed_response(
        programme_cache.programme_pdf(event, version),
        "application/pdf",
        programme_cache.last_modified(event),
        f"{event.slug}-programme.pdf",
        etag=version.fingerprint,
    )


@bp.get("/events/<slug>/speakers")
def speakers(slug: str):
    """Everyone on the agenda."""
    event = queries.get_published_event_or_404(slug)
    return render_template("agenda/speakers.html", event=event, speakers=queries.speakers(event))


@bp.get("/events/<slug>/speakers/<int:person_id>")
def speaker(slug: str, person_id: int):
    """One speaker: profile and the items they take part in."""
    event = queries.get_published_event_or_404(slug)
    person = queries.get_speaker_or_404(event, person_id)
    roles = sorted(person.roles, key=lambda role: role.item.starts_at)
    presentations = slides.for_speaker(slides.of_event(event, published_only=True), person)
    return render_template(
        "agenda/speaker.html", event=event, person=person, roles=roles, presentations=presentations
    )
