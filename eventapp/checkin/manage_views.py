"""Live attendance for organisers: checked in / expected, by category and by hour of
arrival, the latest check-ins, and who has not arrived yet (also as CSV).

The page works as a plain page; static/js/attendance.js asks for `?fragment=1` every
15 seconds and swaps in the live part (numbers, chart, latest check-ins). The list of
those not arrived stays as loaded, with its time, because it can be long: re-sending
hundreds of rows every 15 seconds to a phone on the venue's Wi-Fi costs more than it
helps, and its own "Refresh" link is one tap away.
"""

from flask import Response, render_template, request

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.checkin import attendance as numbers
from eventapp.core.i18n import country_name
from eventapp.models import Category, Event
from eventapp.models.types import utcnow
from eventapp.web.blueprints import manage as bp


def _category_arg() -> Category | None:
    """?category=<value> narrows the not-arrived list; anything else means every one."""
    try:
        return Category(request.args.get("category", ""))
    except ValueError:
        return None


def _live_context(event: Event) -> dict:
    days = [
        (day, slots, numbers.chart(slots))
        for day, slots in numbers.by_day(numbers.arrivals_by_hour(event))
    ]
    return {
        "summary": numbers.summary(event),
        "days": days,
        "latest": numbers.latest(event),
        "now": utcnow(),
    }


@bp.get("/events/<slug>/attendance")
@organiser_required
def attendance(slug: str):
    """Checked in / expected, arrivals per hour, latest check-ins, who is still missing;
    with ?fragment=1 only the live part, for the page's 15-second refresh."""
    event = get_managed_event_or_404(slug)
    fragment = request.args.get("fragment") == "1"
    context = _live_context(event)
    if not fragment:
        category = _category_arg()
        context.update(category=category, missing=numbers.not_arrived(event, category))
    response = Response(
        render_template("checkin/attendance.html", event=event, fragment=fragment, **context)
    )
    # Names of people: not for shared caches; and the refresh must see new check-ins.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events/<slug>/attendance/not-arrived.csv")
@organiser_required
def not_arrived_csv(slug: str):
    """Those expected and not checked in yet (of one category with ?category=), as CSV in
    UTF-8 with a byte-order mark, like the registrations export."""
    event = get_managed_event_or_404(slug)
    category = _category_arg()
    body = numbers.not_arrived_csv(numbers.not_arrived(event, category), country_name)
    name = f"{event.slug}-not-arrived" + (f"-{category.value}" if category else "")
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response
