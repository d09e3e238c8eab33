"""The check-in pages under /checkin/: made for a volunteer's phone.

The page scans badges and searches names in the browser and talks JSON to /scan and
/undo (the same calls its offline queue replays). Anonymous callers of the JSON calls get
401 and users without the right 403, so the page can tell "sign in again" from "wrong
account"; the HTML pages send anonymous visitors to the login page as usual.
"""

import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from eventapp.auth.access import get_checkin_event_or_404
from eventapp.checkin import offline, services
from eventapp.checkin import search as door_search
from eventapp.checkin.forms import WalkInForm
from eventapp.checkin.services import Outcome
from eventapp.core.i18n import local_time
from eventapp.core.labels import CATEGORIES, STATUSES
from eventapp.extensions import db
from eventapp.models import Category, CheckInMethod, Event, Registration, UserRole
from eventapp.printing import badges
from eventapp.registration.services import AlreadyRegistered
from eventapp.web.blueprints import checkin as bp
from eventapp.web.forms import add_error


def checkin_page(view: Callable) -> Callable:
    """An HTML page of the door: login page for anonymous visitors, 403 without the right."""

    @wraps(view)
    @login_required
    def wrapped(slug: str, **kwargs):
        return view(get_checkin_event_or_404(slug), **kwargs)

    return wrapped


def checkin_api(view: Callable) -> Callable:
    """A JSON call of the door: 401 for anonymous callers, 403 without the right."""

    @wraps(view)
    def wrapped(slug: str, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(error="login", message=_("Please sign in again.")), 401
        return view(get_checkin_event_or_404(slug), **kwargs)

    return wrapped


def person_json(event: Event, registration: Registration, checked_in_by: str = "") -> dict:
    """What the door shows of a person."""
    at = registration.checked_in_at
    return {
        "code": registration.checkin_code,
        "name": registration.badge_name or registration.full_name,
        "full_name": registration.full_name,
        "organisation": registration.organisation,
        "category": registration.category.value,
        "category_label": str(CATEGORIES[registration.category]),
        "status": registration.status.value,
        "status_label": str(STATUSES[registration.status]),
        "accessibility": registration.accessibility,
        "checked_in": at is not None,
        "checked_in_at": at.isoformat() if at else None,
        "checked_in_time": local_time(at, event.timezone) if at else "",
        "checked_in_by": checked_in_by,
        "badge_url": url_for(".badge", slug=event.slug, code=registration.checkin_code),
    }


def result_json(event: Event, result: services.Result) -> dict:
    registration = result.registration
    person = person_json(event, registration, result.checked_in_by) if registration else None
    messages = {
        Outcome.CHECKED_IN: _("Checked in"),
        Outcome.ALREADY: _(
            "Already checked in at %(time)s", time=person["checked_in_time"] if person else ""
        ),
        Outcome.NOT_CONFIRMED: _(
            "Not confirmed: %(status)s", status=person["status_label"] if person else ""
        ),
        Outcome.UNKNOWN: _("Unknown badge: nobody of this event has this code"),
        Outcome.OTHER_EVENT: _(
            "This badge is for another event: %(title)s",
            title=result.other_event.title if result.other_event else "",
        ),
        Outcome.UNDONE: _("Check-in undone"),
        Outcome.NOT_CHECKED_IN: _("Was not checked in"),
    }
    return {"result": result.outcome.value, "message": messages[result.outcome], "person": person}


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _parse_time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


@bp.get("/")
@login_required
def index():
    """The events this user may check people in at."""
    if current_user.role == UserRole.CHECKIN:
        events = sorted(current_user.managed_events, key=lambda e: e.starts_at)
    else:
        events = [
            e
            for e in db.session.scalars(select(Event).order_by(Event.starts_at))
            if current_user.manages(e)
        ]
    return render_template("checkin/index.html", events=events)


@bp.get("/<slug>")
@checkin_page
def page(event: Event):
    """The scanner, the search and the walk-in form."""
    walk_in = None
    if request.args.get("walk_in"):
        walk_in = services.find(request.args["walk_in"])
        if walk_in is None or walk_in.event_id != event.id:
            walk_in = None
    return render_template("checkin/page.html", event=event, form=WalkInForm(), walk_in=walk_in)


@bp.get("/sw.js")
def service_worker():
    """The door's service worker (offline.py); public: it holds nothing personal, and the
    browser checks it for updates even while nobody is signed in."""
    urls = offline.precached_urls()
    response = Response(
        render_template("checkin/sw.js", assets=urls, version=offline.version(urls)),
        mimetype="text/javascript",
    )
    response.cache_control.no_cache = True
    return response


@bp.get("/<slug>/manifest.webmanifest")
@checkin_page
def manifest(event: Event):
    """What makes the door page installable on a phone's home screen."""
    icons = [
        {
            "src": url_for("static", filename=f"img/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in (192, 512)
    ]
    body = {
        "name": f"{_('Check-in')} · {event.title}",
        "short_name": _("Check-in"),
        "start_url": url_for(".page", slug=event.slug),
        "scope": url_for(".index"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d3f72",
        "lang": str(get_locale()),
        "icons": icons,
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.post("/<slug>/scan")
@checkin_api
def scan(event: Event):
    """Check in the holder of a code: {"code": "<QR text or code>", "method": "qr"|"search",
    "at": "<ISO time of a queued scan>", "queued": true}."""
    body = _json_body()
    method = CheckInMethod.SEARCH if body.get("method") == "search" else CheckInMethod.QR
    result = services.check_in(
        event,
        services.parse_code(body.get("code")),
        current_user,
        method=method,
        at=_parse_time(body.get("at")),
        queued=bool(body.get("queued")),
    )
    # The answer is read before the commit, which would expire the person and the event
    # and cost two more queries to read them back: a check-in at a busy door is 7, not 9.
    answer = result_json(event, result)
    db.session.commit()
    return jsonify(answer)


@bp.post("/<slug>/undo")
@checkin_api
def undo(event: Event):
    """Take a check-in back: {"code": ...}."""
    result = services.undo(event, services.parse_code(_json_body().get("code")), current_user)
    answer = result_json(event, result)  # before the commit expires what it reads (see scan)
    db.session.commit()
    return jsonify(answer)


@bp.get("/<slug>/search")
@checkin_api
def search(event: Event):
    """People matching ?q= (name or organisation, any case, any accents)."""
    found = door_search.people(event, request.args.get("q", ""))
    return jsonify(people=[person_json(event, r) for r in found])


@bp.route("/<slug>/c/<code>", methods=["GET", "POST"])
@checkin_page
def badge_link(event: Event, code: str):
    """The badge's URL opened with a phone's own camera app: the person, and a button that
    checks them in (a GET never changes anything)."""
    registration = services.find(code)
    if registration is not None and registration.anonymised_at is not None:
        registration = None
    if registration is not None and registration.event_id != event.id:
        # Another event's badge: that event is named, never its holder.
        return render_template(
            "checkin/person.html",
            event=event,
            registration=None,
            other_event=registration.event,
            result=None,
        ), 404
    result = None
    if request.method == "POST" and registration is not None:
        result = services.check_in(event, code, current_user, method=CheckInMethod.LINK)
        db.session.commit()
        registration = result.registration or registration
    if registration is None:
        return render_template(
            "checkin/person.html", event=event, registration=None, result=None
        ), 404
    shown = result_json(event, result) if result else None
    return render_template(
        "checkin/person.html", event=event, registration=registration, result=shown
    )


@bp.post("/<slug>/walk-in")
@checkin_page
def walk_in(event: Event):
    """Register someone at the door, check them in, and offer their badge."""
    form = WalkInForm()
    if not form.validate_on_submit():
        return render_template("checkin/page.html", event=event, form=form, walk_in=None), 422
    same_name = services.namesakes(event, form.given_name.data or "", form.family_name.data or "")
    if same_name and not form.new_person.data:
        return render_template(
            "checkin/page.html", event=event, form=form, walk_in=None, namesakes=same_name
        ), 409
    try:
        registration = services.register_walk_in(
            event, form.to_data(), Category(form.category.data), current_user
        )
    except AlreadyRegistered:
        db.session.rollback()
        add_error(form.email, _("This address is already registered: search for the person above."))
        return render_template("checkin/page.html", event=event, form=form, walk_in=None), 422
    db.session.commit()
    flash(_("%(name)s is registered and checked in.", name=registration.full_name), "info")
    return redirect(url_for(".page", slug=event.slug, walk_in=registration.checkin_code))


@bp.get("/<slug>/badge/<code>.pdf")
@checkin_page
def badge(event: Event, code: str):
    """One person's badge, one per page at the event's badge size: for the door's printer."""
    registration = services.find(code)
    if (
        registration is None
        or registration.event_id != event.id
        or registration.anonymised_at is not None
    ):
        abort(404)
    pdf = badges.render_badges(event, [registration], "single")
    badges.mark_printed([registration])
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="badge-{registration.id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
