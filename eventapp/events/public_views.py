"""Public pages of events: the list of events, an event's page and its logo."""

from pathlib import Path

from flask import abort, current_app, redirect, render_template, send_from_directory, url_for

from eventapp.models import queries
from eventapp.web.blueprints import public as bp


@bp.get("/")
def home():
    """Published events; with only one, straight to it."""
    events = queries.published_events()
    if len(events) == 1:
        return redirect(url_for(".event", slug=events[0].slug))
    return render_template("events/home.html", events=events)


@bp.get("/events/<slug>/")
def event(slug: str):
    """The event's page: what, when, where, and the way to register."""
    event = queries.get_published_event_or_404(slug)
    return render_template(
        "events/event.html",
        event=event,
        # The sign-up form is its own blueprint: link to it only where it is installed.
        can_register="registration.register" in current_app.view_functions,
    )


@bp.get("/events/<slug>/logo")
def logo(slug: str):
    """The event's logo, for links shared on social media (Open Graph) and the like."""
    event = queries.get_published_event_or_404(slug)
    if not event.logo:
        abort(404)
    uploads = Path(current_app.instance_path) / "uploads"
    response = send_from_directory(uploads, event.logo, max_age=24 * 3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
