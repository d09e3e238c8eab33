"""Live attendance for organisers (being written: see issue 6)."""

from ..auth.access import get_managed_event_or_404, organiser_required
from . import bp


@bp.get("/events/<slug>/attendance")
@organiser_required
def attendance(slug: str):
    """Checked in / expected (placeholder until the page is written)."""
    event = get_managed_event_or_404(slug)
    return event.title
