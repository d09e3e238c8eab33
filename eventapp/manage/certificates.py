"""Certificates of attendance, for organisers (being written: see issue 6)."""

from ..auth.access import get_managed_event_or_404, organiser_required
from . import bp


@bp.get("/events/<slug>/certificates")
@organiser_required
def certificates(slug: str):
    """Placeholder until the page is written."""
    event = get_managed_event_or_404(slug)
    return event.title
