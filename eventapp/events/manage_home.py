"""Organiser pages."""

from flask import render_template
from sqlalchemy import func, select

from eventapp.auth.access import organiser_required
from eventapp.events.manage_views import visible_events
from eventapp.extensions import db
from eventapp.models import Registration
from eventapp.web.blueprints import manage as bp


@bp.get("/")
@organiser_required
def index():
    """The organiser's landing page: the events they manage, with registrations by status."""
    events = visible_events()
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, n in rows:
        counts.setdefault(event_id, {})[status.value] = n
    return render_template("manage/index.html", events=events, counts=counts)
